import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDb, type TestDb, type TestUser } from "@/lib/db/test-db";
import { completeSignIn } from "@/lib/auth/complete-sign-in";
import { findSessionWith, sessionAdmits, startSession, type SessionRow } from "@/lib/auth/sessions";
import { answerReadSql, challengeAndFactor } from "./registry";
import { totpCode, TOTP_PERIOD } from "./totp";
import { answerChallenge } from "./verify";

/**
 * The TOTP sign-in answer as the /mfa action makes it: the session lookup carries the
 * challenge, the factor's secret and the policy (one read); the HMAC is checked before the
 * transaction; the row lock, the step claim, the challenge's consumption, the verified
 * session and the audit row are then one statement (lib/mfa/lockout.ts `mfaGate`), which
 * writes only if the locked row admits and the claim moved the replay guard. Otherwise the
 * attempt goes on from the locked row as it always did: these tests pin that the guarantees
 * (replay refused and counted, lock before any decision, one audit row, nothing consumed by a
 * refusal) hold on both ways, and which statements each case runs.
 */

let t: TestDb;
let log: string[] = [];
const shape = (query: string) => query.replace(/\s+/g, " ").trim();

beforeAll(async () => {
  t = await createTestDb({ logger: { logQuery: (query) => log.push(shape(query)) } });
});
afterAll(async () => {
  await t?.close();
});
beforeEach(async () => {
  await t.resetSettings();
  await t.setSettings({ lockoutThreshold: 100, backoffBaseMs: 0, backoffMaxMs: 0 });
  await t.query(sql`UPDATE test_clock SET offset_ms = 0`);
});

type Pending = { token: string; session: SessionRow; challengeId: string };

/** A password step's outcome for a user with an authenticator: a pending session and its sign-in challenge. */
async function pendingSignIn(user: TestUser): Promise<Pending> {
  const started = await t.db.transaction((tx) =>
    startSession(tx, { userId: user.id, mfaState: "pending", passwordVerified: true, signInChallenge: { context: { callbackUrl: "/dashboard" } } }),
  );
  return { token: started.token, session: started.session, challengeId: started.challenge!.id };
}

/** The action's one read: the session, with the answer's challenge and factor (lib/actions/guard.ts `readAlong`). */
async function lookUp(p: Pending, states: Parameters<typeof sessionAdmits>[0] = ["pending"]) {
  return findSessionWith(t.db, p.token, {
    read: (refs) => answerReadSql(refs, { challengeId: p.challengeId, purpose: "sign_in", factorId: "totp" }),
    admits: sessionAdmits(states),
  });
}

/** The answer as verifySignIn makes it; `read` from `lookUp` (made now when not given). */
async function answer(p: Pending, code: string, read?: unknown, onPassed?: () => Promise<unknown>) {
  const along = read === undefined ? (await lookUp(p))!.along : read;
  const s = p.session;
  log = [];
  const outcome = await answerChallenge(
    t.db,
    { userId: s.userId, username: s.username, email: s.email, groupId: s.groupId, sessionId: s.id, ip: null },
    { challengeId: p.challengeId, purpose: "sign_in", factorId: "totp", input: { code } },
    onPassed ?? ((tx, _challenge, pending) => completeSignIn(tx, s, { ip: null, userAgent: "gated-answer test" }, pending)),
    { read: along, startsSession: true },
  );
  return { outcome, statements: [...log] };
}

async function stateOf(userId: string, p: Pending) {
  const [r] = await t.query<{ failed: number; step: string | null; challenge: string; verified: number; audits: unknown }>(
    sql`SELECT (SELECT failed_attempts FROM users WHERE id = ${userId}) AS failed,
               (SELECT last_used_step::text FROM factors WHERE user_id = ${userId} AND type = 'totp') AS step,
               (SELECT status FROM challenges WHERE id = ${p.challengeId}) AS challenge,
               (SELECT count(*)::int FROM sessions WHERE rotated_from = ${p.session.id}) AS verified,
               (SELECT COALESCE(jsonb_agg(jsonb_build_array(outcome, details->>'reason') ORDER BY id), '[]'::jsonb)
                  FROM audit_events WHERE session_id = ${p.session.id} AND action = 'mfa.verify') AS audits`,
  );
  return { ...r!, audits: typeof r!.audits === "string" ? JSON.parse(r!.audits) : r!.audits };
}

const stepNow = () => Math.floor(Date.now() / 1000 / TOTP_PERIOD);

describe(`a TOTP sign-in answer, on ${process.env.DATABASE_URL ? "PostgreSQL" : "PGlite"}`, () => {
  it("reads session, challenge, secret and policy in the session lookup, only for a session that may answer", async () => {
    const user = await t.createUser();
    const factor = await t.createTotpFactor(user.id);
    const p = await pendingSignIn(user);
    const found = await lookUp(p);
    expect(found!.session.id).toBe(p.session.id);
    const s = p.session;
    const who = { userId: s.userId, username: s.username, email: s.email, groupId: s.groupId, sessionId: s.id };
    const req = { challengeId: p.challengeId, purpose: "sign_in" as const, factorId: "totp" };
    const carried = await challengeAndFactor(t.db, who, req, found!.along);
    const own = await challengeAndFactor(t.db, who, req);
    expect(carried.challenge?.id).toBe(p.challengeId);
    expect(carried.factor?.id).toBe("totp");
    expect(carried.factorRead).toMatchObject({ id: factor.id });
    expect({ ...carried, nowSeconds: 0 }).toEqual({ ...own, nowSeconds: 0 });
    // A session in a state the action does not admit gets its own row and nothing else.
    const refused = await lookUp(p, ["verified", "none"]);
    expect(refused!.session.id).toBe(p.session.id);
    expect(refused!.along).toBeNull();
  });

  it("a right code is one statement in its transaction: lock, claim, consumption, verified session, audit row", async () => {
    const user = await t.createUser();
    const factor = await t.createTotpFactor(user.id);
    const p = await pendingSignIn(user);
    const { outcome, statements } = await answer(p, await totpCode(factor.secret));
    expect(outcome.kind).toBe("ok");
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatch(/^WITH gate AS MATERIALIZED \(.*FOR UPDATE OF u \), claimed AS \( UPDATE factors SET last_used_step/);
    const state = await stateOf(user.id, p);
    expect(state).toMatchObject({ failed: 0, challenge: "consumed", verified: 1, audits: [["ok", null]] });
    expect(Math.abs(Number(state.step) - stepNow())).toBeLessThanOrEqual(1);
  });

  it("one code, 12 parallel answers on 12 sessions: exactly one passes, the rest are counted replays that consume nothing", async () => {
    const user = await t.createUser();
    const factor = await t.createTotpFactor(user.id);
    const code = await totpCode(factor.secret);
    const pendings = await Promise.all(Array.from({ length: 12 }, () => pendingSignIn(user)));
    // Every answer read before any of them passed: each precheck accepts the code.
    const reads = await Promise.all(pendings.map(async (p) => (await lookUp(p))!.along));
    const results = await Promise.all(pendings.map((p, i) => answer(p, code, reads[i])));
    expect(results.filter((r) => r.outcome.kind === "ok")).toHaveLength(1);
    for (const r of results) if (r.outcome.kind !== "ok") expect(r.outcome).toMatchObject({ kind: "failed", reason: "replayed" });
    const [counts] = await t.query<{ failed: number; consumed: number; verified: number; audits: number }>(
      sql`SELECT (SELECT failed_attempts FROM users WHERE id = ${user.id}) AS failed,
                 (SELECT count(*)::int FROM challenges WHERE user_id = ${user.id} AND status = 'consumed') AS consumed,
                 (SELECT count(*)::int FROM sessions WHERE user_id = ${user.id} AND mfa_state = 'verified') AS verified,
                 (SELECT count(*)::int FROM audit_events WHERE subject_user_id = ${user.id} AND action = 'mfa.verify') AS audits`,
    );
    expect(counts).toEqual({ failed: 11, consumed: 1, verified: 1, audits: 12 });
  });

  it("a code replayed after its read was made: the gate admits, the claim refuses — counted and audited as replayed, nothing else written", async () => {
    const user = await t.createUser();
    const factor = await t.createTotpFactor(user.id);
    const code = await totpCode(factor.secret);
    const first = await pendingSignIn(user);
    const second = await pendingSignIn(user);
    const staleRead = (await lookUp(second))!.along;
    expect((await answer(first, code)).outcome.kind).toBe("ok");
    const { outcome, statements } = await answer(second, code, staleRead);
    expect(outcome).toMatchObject({ kind: "failed", reason: "replayed" });
    // The gated statement (it wrote nothing), the counter, the audit row: as the lock, claim, count, audit did.
    expect(statements).toHaveLength(3);
    expect(statements[0]).toMatch(/^WITH gate AS MATERIALIZED/);
    expect(statements[1]).toMatch(/^UPDATE users SET failed_attempts/);
    expect(statements[2]).toMatch(/^insert into "audit_events"/);
    expect(await stateOf(user.id, second)).toMatchObject({ failed: 1, challenge: "open", verified: 0, audits: [["failed", "replayed"]] });
  });

  it("a code replayed with a fresh read is refused before the claim, counted and audited as replayed", async () => {
    const user = await t.createUser();
    const factor = await t.createTotpFactor(user.id);
    const code = await totpCode(factor.secret);
    expect((await answer(await pendingSignIn(user), code)).outcome.kind).toBe("ok");
    const again = await pendingSignIn(user);
    const { outcome, statements } = await answer(again, code);
    expect(outcome).toMatchObject({ kind: "failed", reason: "replayed" });
    expect(statements).toHaveLength(3);
    expect(await stateOf(user.id, again)).toMatchObject({ failed: 1, challenge: "open", verified: 0, audits: [["failed", "replayed"]] });
  });

  it("a wrong code: the gated statement writes nothing; counted, audited, the challenge stays open", async () => {
    const user = await t.createUser();
    const factor = await t.createTotpFactor(user.id);
    const p = await pendingSignIn(user);
    const right = await totpCode(factor.secret);
    const wrong = right === "000000" ? "000001" : "000000";
    const { outcome, statements } = await answer(p, wrong);
    expect(outcome).toMatchObject({ kind: "failed", reason: "wrong code" });
    expect(statements).toHaveLength(3);
    expect(await stateOf(user.id, p)).toMatchObject({ failed: 1, step: null, challenge: "open", verified: 0, audits: [["failed", "wrong code"]] });
  });

  it("a locked account: the right code is refused under the lock, claims and consumes nothing, one audit row", async () => {
    const user = await t.createUser();
    const factor = await t.createTotpFactor(user.id);
    const p = await pendingSignIn(user);
    const read = (await lookUp(p))!.along;
    await t.query(sql`UPDATE users SET locked_at = app_now(), failed_attempts = 5 WHERE id = ${user.id}`);
    const { outcome, statements } = await answer(p, await totpCode(factor.secret), read);
    expect(outcome.kind).toBe("locked");
    expect(statements).toHaveLength(2);
    expect(await stateOf(user.id, p)).toMatchObject({ failed: 5, step: null, challenge: "open", verified: 0, audits: [["refused", "account locked"]] });
  });

  it("inside a backoff delay: the right code is refused under the lock and nothing is claimed", async () => {
    const user = await t.createUser();
    const factor = await t.createTotpFactor(user.id);
    const p = await pendingSignIn(user);
    await t.query(sql`UPDATE users SET next_attempt_at = app_now() + interval '1 minute' WHERE id = ${user.id}`);
    const { outcome } = await answer(p, await totpCode(factor.secret));
    expect(outcome.kind).toBe("wait");
    expect(await stateOf(user.id, p)).toMatchObject({ step: null, challenge: "open", verified: 0, audits: [["refused", "backoff"]] });
  });

  it("after a failure, a right code passes the way it always did, and the counters are reset", async () => {
    const user = await t.createUser();
    const factor = await t.createTotpFactor(user.id);
    const p = await pendingSignIn(user);
    await t.query(sql`UPDATE users SET failed_attempts = 2, mfa_failed_streak = 2 WHERE id = ${user.id}`);
    const { outcome, statements } = await answer(p, await totpCode(factor.secret));
    expect(outcome.kind).toBe("ok");
    // The gated statement (not admitted: counters to reset), the claim, the reset, the session's statement.
    expect(statements).toEqual([
      expect.stringMatching(/^WITH gate AS MATERIALIZED/),
      expect.stringMatching(/^UPDATE factors SET last_used_st/),
      expect.stringMatching(/^UPDATE users SET failed_attempt/),
      expect.stringMatching(/^WITH prev AS/),
    ]);
    expect(await stateOf(user.id, p)).toMatchObject({ failed: 0, challenge: "consumed", verified: 1, audits: [["ok", null]] });
  });

  it("a code the read's clock accepts but the lock's clock does not is decided under the lock: a wrong code", async () => {
    const user = await t.createUser();
    const factor = await t.createTotpFactor(user.id);
    const p = await pendingSignIn(user);
    const code = await totpCode(factor.secret);
    const read = (await lookUp(p))!.along;
    // Three steps later by the database's clock: the code's step is outside ±1.
    await t.query(sql`UPDATE test_clock SET offset_ms = ${3 * TOTP_PERIOD * 1000}`);
    const { outcome } = await answer(p, code, read);
    expect(outcome).toMatchObject({ kind: "failed", reason: "wrong code" });
    expect(await stateOf(user.id, p)).toMatchObject({ failed: 1, step: null, challenge: "open", verified: 0 });
  });

  it("an answer whose success does not carry the gate makes nothing count: it fails and nothing commits", async () => {
    const user = await t.createUser();
    const factor = await t.createTotpFactor(user.id);
    const p = await pendingSignIn(user);
    await expect(answer(p, await totpCode(factor.secret), undefined, async () => "passed")).rejects.toThrow(/must carry its gate/);
    expect(await stateOf(user.id, p)).toMatchObject({ failed: 0, step: null, challenge: "open", verified: 0, audits: [] });
  });
});
