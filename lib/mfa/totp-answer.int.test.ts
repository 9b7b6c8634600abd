import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { testDbPerFile } from "@/lib/db/test-db-per-file";
import { createSession, createTotpFactor, createUser } from "@/lib/db/test-db";
import { openChallenge } from "./challenges";
import { totpCode } from "./totp";
import { attemptMfa } from "./lockout";
import { challengeAndFactor } from "./registry";
import { answerChallenge } from "./verify";

/**
 * TOTP through answerChallenge, as the sign-in and step-up actions call it (the
 * factor's secret and last used step come with the challenge in one read, before the row
 * lock). The replay guard must hold exactly as before: of many parallel answers with one code
 * — each on its own session and challenge — exactly one passes; the rest are "replayed",
 * counted, and consume nothing. With DATABASE_URL (PostgreSQL) the answers really race.
 */

const t = testDbPerFile({ settings: { lockoutThreshold: 100, backoffBaseMs: 0, backoffMaxMs: 0 } });

async function answer(userId: string, username: string, code: string) {
  const sessionId = await createSession(t.db, userId, { mfaState: "pending" });
  const challenge = await openChallenge(t.db, { sessionId, userId, purpose: "sign_in" });
  const who = { userId, username, email: `${username}@e.example`, groupId: "retail", sessionId, ip: null };
  const outcome = await answerChallenge(t.db, who, { challengeId: challenge.id, purpose: "sign_in", factorId: "totp", input: { code } }, async () => "passed");
  return { outcome, challengeId: challenge.id };
}

describe(`TOTP answers read with their challenge keep the replay guard, on ${process.env.DATABASE_URL ? "PostgreSQL" : "PGlite"}`, () => {
  it("one code, 12 parallel answers on 12 sessions: exactly one passes, the rest are counted replays", async () => {
    const user = await createUser(t.db);
    const factor = await createTotpFactor(t.db, user.id);
    const code = await totpCode(factor.secret);
    const results = await Promise.all(Array.from({ length: 12 }, () => answer(user.id, user.username, code)));
    const passed = results.filter((r) => r.outcome.kind === "ok");
    expect(passed).toHaveLength(1);
    for (const r of results) {
      if (r.outcome.kind === "ok") continue;
      expect(r.outcome).toMatchObject({ kind: "failed", reason: "replayed" });
    }
    const [counts] = await t.query<{ failed: number; consumed: number }>(
      sql`SELECT (SELECT failed_attempts FROM users WHERE id = ${user.id}) AS failed,
                 (SELECT count(*)::int FROM challenges WHERE user_id = ${user.id} AND status = 'consumed') AS consumed`,
    );
    expect(counts).toEqual({ failed: 11, consumed: 1 });
  });

  it("a factor removed between the read and the attempt is not accepted", async () => {
    const user = await createUser(t.db);
    const factor = await createTotpFactor(t.db, user.id);
    const code = await totpCode(factor.secret);
    const sessionId = await createSession(t.db, user.id, { mfaState: "pending" });
    const challenge = await openChallenge(t.db, { sessionId, userId: user.id, purpose: "sign_in" });
    const who = { userId: user.id, username: user.username, email: `${user.username}@e.example`, groupId: "retail", sessionId };
    // The one read the action makes…
    const read = await challengeAndFactor(t.db, who, { challengeId: challenge.id, purpose: "sign_in", factorId: "totp" });
    expect(read.factorRead).toMatchObject({ id: factor.id });
    // …then an admin reset removes the factor before the attempt takes the row lock.
    await t.db.execute(sql`DELETE FROM factors WHERE id = ${factor.id}`);
    const outcome = await attemptMfa(
      t.db,
      { userId: user.id, sessionId, factor: "totp", purpose: "sign_in" },
      (tx, clock) => read.factor!.verify(tx, { ...who, nowSeconds: clock.nowSeconds }, { code }, read.challenge!, read.factorRead),
      async () => "passed",
    );
    expect(outcome).toMatchObject({ kind: "failed" });
  });
});
