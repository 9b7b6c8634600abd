import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256 } from "@/lib/crypto";
import { sessions } from "@/lib/db/schema";
import { createTestDb, createUser, type TestDb } from "@/lib/db/test-db";
import { ChallengeGone } from "@/lib/mfa/challenges";
import { endNotice, SESSION_END_REASONS } from "./session-end";
import { claimEndNotice, findSession, revokeAllSessions, revokeSession, signOutSession, startSession, touchSession } from "./sessions";

let t: TestDb;

beforeAll(async () => {
  t = await createTestDb();
});

afterAll(async () => {
  await t?.close();
});

type Row = { revoked: boolean; reason: string | null; shown: boolean; ended_at_idle: boolean; ended_at_expiry: boolean };

/** A live, verified session whose cookie token we know; `ago` moves its clocks back. */
async function session(userId: string, ago: { seenMinutes?: number; expiresInMinutes?: number } = {}) {
  const token = randomBytes(32).toString("base64url");
  const [row] = await t.db
    .insert(sessions)
    .values({
      userId,
      mfaState: "verified",
      tokenHash: sha256(token),
      activatedAt: sql`now() - interval '13 hours'`,
      lastSeenAt: sql`now() - ${ago.seenMinutes ?? 0}::int * interval '1 minute'`,
      expiresAt: sql`now() + ${ago.expiresInMinutes ?? 600}::int * interval '1 minute'`,
    })
    .returning({ id: sessions.id });
  return { id: row!.id, token };
}

async function state(id: string): Promise<Row> {
  const [r] = await t.query<Row>(
    sql`SELECT revoked_at IS NOT NULL AS revoked, revoke_reason AS reason, end_notice_shown_at IS NOT NULL AS shown,
               revoked_at = last_seen_at + interval '30 minutes' AS ended_at_idle, revoked_at = expires_at AS ended_at_expiry
          FROM sessions WHERE id = ${id}`,
  );
  return r!;
}

describe(`Why a session ended, told once, on ${process.env.DATABASE_URL ? "PostgreSQL" : "PGlite"}`, () => {
  it("every reason but `rotated` has one sentence; unknown reasons have none", () => {
    for (const r of SESSION_END_REASONS) expect(endNotice(r) === null).toBe(r === "rotated");
    expect(endNotice("mfa reset")).toBeNull();
    expect(endNotice("toString")).toBeNull();
    expect(endNotice(null)).toBeNull();
  });

  it("a live session tells nothing and is not written", async () => {
    const user = await createUser(t.db);
    const s = await session(user.id);
    expect(await claimEndNotice(t.db, s.token)).toBeNull();
    expect(await state(s.id)).toMatchObject({ revoked: false, shown: false });
    expect(await findSession(t.db, s.token)).not.toBeNull();
  });

  it("a revoked session tells its reason once; each browser learns only its own row's", async () => {
    const user = await createUser(t.db);
    const a = await session(user.id);
    const b = await session(user.id);
    expect(await revokeAllSessions(t.db, user.id, "mfa_reset")).toBe(2);
    expect(await claimEndNotice(t.db, a.token)).toBe("mfa_reset");
    expect(await claimEndNotice(t.db, a.token)).toBeNull();
    expect(await state(b.id)).toMatchObject({ revoked: true, reason: "mfa_reset", shown: false });
    expect(await claimEndNotice(t.db, b.token)).toBe("mfa_reset");
    expect(await claimEndNotice(t.db, randomBytes(32).toString("base64url"))).toBeNull();
  });

  it("an idle session is revoked as of its idle deadline, with reason idle", async () => {
    const user = await createUser(t.db);
    const s = await session(user.id, { seenMinutes: 31 });
    expect(await findSession(t.db, s.token)).toBeNull();
    expect(await claimEndNotice(t.db, s.token)).toBe("idle");
    expect(await state(s.id)).toMatchObject({ revoked: true, reason: "idle", shown: true, ended_at_idle: true });
    expect(await claimEndNotice(t.db, s.token)).toBeNull();
  });

  it("a session past its absolute lifetime ends with reason lifetime, as of its expiry", async () => {
    const user = await createUser(t.db);
    const s = await session(user.id, { seenMinutes: 2, expiresInMinutes: -1 });
    expect(await claimEndNotice(t.db, s.token)).toBe("lifetime");
    expect(await state(s.id)).toMatchObject({ reason: "lifetime", ended_at_expiry: true });
  });

  it("idle and expired: whichever came first names it", async () => {
    const user = await createUser(t.db);
    const idleFirst = await session(user.id, { seenMinutes: 50, expiresInMinutes: -10 }); // idle at −20, expired at −10
    const expiredFirst = await session(user.id, { seenMinutes: 35, expiresInMinutes: -10 }); // idle at −5
    expect(await claimEndNotice(t.db, idleFirst.token)).toBe("idle");
    expect(await claimEndNotice(t.db, expiredFirst.token)).toBe("lifetime");
  });

  it("a revoked reason wins over running out later; a rotated row tells nothing and stays untouched", async () => {
    const user = await createUser(t.db);
    const locked = await session(user.id, { seenMinutes: 40 });
    await revokeSession(t.db, locked.id, "account_locked");
    expect(await claimEndNotice(t.db, locked.token)).toBe("account_locked");
    const rotated = await session(user.id);
    await revokeSession(t.db, rotated.id, "rotated");
    expect(await claimEndNotice(t.db, rotated.token)).toBeNull();
    expect(await state(rotated.id)).toMatchObject({ reason: "rotated", shown: false });
  });

  it("sign-out has already said it: a replayed cookie tells nothing", async () => {
    const user = await createUser(t.db);
    const s = await session(user.id);
    await signOutSession(t.db, s.id);
    expect(await state(s.id)).toMatchObject({ revoked: true, reason: "signed_out", shown: true });
    expect(await claimEndNotice(t.db, s.token)).toBeNull();
  });

  it("of 10 parallel claims by the same cookie exactly one gets the reason", async () => {
    const user = await createUser(t.db);
    const s = await session(user.id);
    await revokeSession(t.db, s.id, "ended_by_admin");
    const answers = await Promise.all(Array.from({ length: 10 }, () => claimEndNotice(t.db, s.token)));
    expect(answers.filter((a) => a === "ended_by_admin")).toHaveLength(1);
    expect(answers.filter((a) => a === null)).toHaveLength(9);
  });

  it("Stay signed in restarts the idle clock; a revoked session cannot be touched", async () => {
    const user = await createUser(t.db);
    const s = await session(user.id, { seenMinutes: 29 });
    expect(await touchSession(t.db, s.id)).toBe(true);
    const [r] = await t.query<{ fresh: boolean }>(sql`SELECT last_seen_at > now() - interval '5 seconds' AS fresh FROM sessions WHERE id = ${s.id}`);
    expect(r!.fresh).toBe(true);
    await revokeSession(t.db, s.id, "signed_out_everywhere");
    expect(await touchSession(t.db, s.id)).toBe(false);
  });
});

describe(`startSession: a session in its final state, rotated in one statement, on ${process.env.DATABASE_URL ? "PostgreSQL" : "PGlite"}`, () => {
  it("pending → verified: the successor is live at once, keeps the deadline and presence, the predecessor is retired", async () => {
    const user = await createUser(t.db);
    const first = await t.db.transaction((tx) =>
      startSession(tx, { userId: user.id, mfaState: "pending", ip: "192.0.2.1", userAgent: "x".repeat(400), passwordVerified: true }),
    );
    expect(first.challenge).toBeNull();
    const pending = await findSession(t.db, first.token);
    expect(pending).toMatchObject({ id: first.sessionId, mfaState: "pending", passwordFresh: true, mfaFresh: false });
    // Only the hash is stored.
    const [stored] = await t.query<{ token_hash: string; ua: number; last_sign_in: boolean }>(
      sql`SELECT s.token_hash, length(s.user_agent) AS ua, u.last_sign_in_at IS NOT NULL AS last_sign_in
            FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ${first.sessionId}`,
    );
    expect(stored).toEqual({ token_hash: sha256(first.token), ua: 300, last_sign_in: false });
    // Pretend the pending session began long ago: the successor must not get a new 12 hours.
    await t.db.execute(sql`UPDATE sessions SET expires_at = now() + interval '5 minutes' WHERE id = ${first.sessionId}`);

    const second = await t.db.transaction((tx) =>
      startSession(tx, { userId: user.id, mfaState: "verified", rotatedFrom: first.sessionId, mfaVerified: true, signedIn: true }),
    );
    expect(second.token).not.toBe(first.token);
    expect(await findSession(t.db, first.token)).toBeNull();
    expect(await state(first.sessionId)).toMatchObject({ revoked: true, reason: "rotated" });
    expect(await findSession(t.db, second.token)).toMatchObject({ id: second.sessionId, mfaState: "verified", passwordFresh: true, mfaFresh: true });
    const [after] = await t.query<{ same_deadline: boolean; rotated_from: string; last_sign_in: boolean }>(
      sql`SELECT s.expires_at = p.expires_at AS same_deadline, s.rotated_from, u.last_sign_in_at IS NOT NULL AS last_sign_in
            FROM sessions s JOIN sessions p ON p.id = s.rotated_from JOIN users u ON u.id = s.user_id WHERE s.id = ${second.sessionId}`,
    );
    expect(after).toEqual({ same_deadline: true, rotated_from: first.sessionId, last_sign_in: true });
  });

  it("a pending session can start with its sign-in challenge, in the same statement", async () => {
    const user = await createUser(t.db);
    const s = await t.db.transaction((tx) =>
      startSession(tx, { userId: user.id, mfaState: "pending", passwordVerified: true, signInChallenge: { context: { callbackUrl: "/payees" } } }),
    );
    expect(s.challenge).toMatchObject({ sessionId: s.sessionId, userId: user.id, purpose: "sign_in", status: "open", context: { callbackUrl: "/payees", key: null } });
    const minutes = (s.challenge!.expiresAt.getTime() - s.challenge!.createdAt.getTime()) / 60_000;
    expect(minutes).toBeCloseTo(10, 3);
  });

  it("returns the session as findSession reads it, and writes the audit row it is given in the same statement", async () => {
    const user = await createUser(t.db);
    const audit = { event: { action: "sign_in.password", outcome: "ok" as const, subjectUserId: user.id, ip: "192.0.2.7" }, written: false };
    const s = await t.db.transaction((tx) => startSession(tx, { userId: user.id, mfaState: "none", passwordVerified: true, signedIn: true, audit }));
    expect(audit.written).toBe(true);
    expect(s.session).toEqual(await findSession(t.db, s.token));
    const [row] = await t.query<{ n: number; ip: string }>(
      sql`SELECT count(*)::int AS n, max(ip::text) AS ip FROM audit_events WHERE subject_user_id = ${user.id} AND action = 'sign_in.password'`,
    );
    expect(row).toMatchObject({ n: 1, ip: expect.stringContaining("192.0.2.7") });
  });

  it("with a challenge to consume: one open challenge starts one session; a spent one starts none and throws ChallengeGone", async () => {
    const user = await createUser(t.db);
    const pending = await t.db.transaction((tx) =>
      startSession(tx, { userId: user.id, mfaState: "pending", passwordVerified: true, signInChallenge: { context: { callbackUrl: "/dashboard" } } }),
    );
    const verify = () => {
      const consume = { id: pending.challenge!.id, factor: "totp", done: false };
      return t.db
        .transaction((tx) => startSession(tx, { userId: user.id, mfaState: "verified", rotatedFrom: pending.sessionId, mfaVerified: true, signedIn: true, consume }))
        .then((r) => ({ ...r, consume }));
    };
    const first = await verify();
    expect(first.consume.done).toBe(true);
    expect(await findSession(t.db, first.token)).toMatchObject({ mfaState: "verified" });
    await expect(verify()).rejects.toBeInstanceOf(ChallengeGone);
    const [n] = await t.query<{ sessions: number; challenge: string }>(
      sql`SELECT (SELECT count(*)::int FROM sessions WHERE user_id = ${user.id}) AS sessions,
                 (SELECT status FROM challenges WHERE id = ${pending.challenge!.id}) AS challenge`,
    );
    expect(n).toEqual({ sessions: 2, challenge: "consumed" });
  });

  it("a rolled-back transaction leaves no session behind", async () => {
    const user = await createUser(t.db);
    let token = "";
    await expect(
      t.db.transaction(async (tx) => {
        token = (await startSession(tx, { userId: user.id, mfaState: "none", passwordVerified: true })).token;
        throw new Error("rolled back");
      }),
    ).rejects.toThrow("rolled back");
    expect(await findSession(t.db, token)).toBeNull();
  });
});
