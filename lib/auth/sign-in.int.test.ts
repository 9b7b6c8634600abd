import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "@/lib/db";
import { createTestDb, type TestDb, type TestUser } from "@/lib/db/test-db";
import { passwordSignIn } from "./sign-in";

/**
 * ASVS 5.0 6.3.8 (no enumeration by timing): every refused password step
 * does the same database work — the same statements in the same order, in one transaction —
 * whatever the reason. The answers were already identical; this pins the work behind them.
 * (The bank has no "disabled" account state: a locked account is the refused-but-existing case.)
 */

let t: TestDb;
let log: string[] = [];
let transactions = 0;

/** The statement's shape: its text with the parameters left out (they differ by design). */
const shape = (query: string) => query.replace(/\s+/g, " ").trim();

/** The test database, counting the transactions passwordSignIn opens. */
function countingDb(db: Db): Db {
  return new Proxy(db, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (prop === "transaction") {
        return (...args: unknown[]) => {
          transactions++;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

async function workOf(input: { username: string; password: string }) {
  log = [];
  transactions = 0;
  const result = await passwordSignIn(countingDb(t.db), input, { ip: "192.0.2.10", userAgent: "statement-count test" });
  return { ok: result.ok, statements: [...log], transactions };
}

let passwordOnly: TestUser;
let withMfa: TestUser;
let locked: TestUser;

beforeAll(async () => {
  t = await createTestDb({ logger: { logQuery: (query) => log.push(shape(query)) } });
  passwordOnly = await t.createUser({ group: "commercial" });
  withMfa = await t.createUser({ group: "retail" });
  await t.createTotpFactor(withMfa.id);
  locked = await t.createUser({ group: "retail" });
  await t.createTotpFactor(locked.id);
  await t.query(sql`UPDATE users SET locked_at = now(), failed_attempts = 5 WHERE id = ${locked.id}`);
});

afterAll(async () => {
  await t?.close();
});

describe("a refused password step", () => {
  it("does the same statements for an unknown user, a wrong password (with and without MFA) and a locked account", async () => {
    const cases = {
      "unknown user": await workOf({ username: "nobody-by-this-name", password: "whatever-password" }),
      "wrong password, password-only user": await workOf({ username: passwordOnly.username, password: "wrong-password" }),
      "wrong password, MFA user": await workOf({ username: withMfa.username, password: "wrong-password" }),
      "locked, right password": await workOf({ username: locked.username, password: locked.password }),
      "locked, wrong password": await workOf({ username: locked.username, password: "wrong-password" }),
    };
    const reference = cases["wrong password, MFA user"];
    expect(reference.ok).toBe(false);
    // The lookup, then one transaction: the row-lock SELECT, the counter UPDATE, the audit INSERT.
    expect(reference.statements).toHaveLength(4);
    expect(reference.transactions).toBe(1);
    expect(reference.statements[1]).toMatch(/FOR UPDATE OF u/);
    expect(reference.statements[2]).toMatch(/^UPDATE users SET failed_attempts/);
    expect(reference.statements[3]).toMatch(/^insert into "audit_events"/);
    for (const [name, work] of Object.entries(cases)) {
      expect(work.ok, name).toBe(false);
      expect(work.transactions, name).toBe(reference.transactions);
      expect(work.statements, name).toEqual(reference.statements);
    }
  });

  it("still counts only real failures: a locked account's counter does not move, an unknown name changes no row", async () => {
    const before = await t.query<{ failed_attempts: number }>(sql`SELECT failed_attempts FROM users WHERE id = ${locked.id}`);
    await workOf({ username: locked.username, password: "wrong-password" });
    const after = await t.query<{ failed_attempts: number }>(sql`SELECT failed_attempts FROM users WHERE id = ${locked.id}`);
    expect(after[0]!.failed_attempts).toBe(before[0]!.failed_attempts);

    const [{ n }] = await t.query<{ n: number }>(sql`SELECT count(*)::int AS n FROM users WHERE failed_attempts > 0 AND id <> ${locked.id}`);
    await workOf({ username: "still-nobody", password: "whatever-password" });
    const [{ n: n2 }] = await t.query<{ n: number }>(sql`SELECT count(*)::int AS n FROM users WHERE failed_attempts > 0 AND id <> ${locked.id}`);
    expect(n2).toBe(n);
  });

  it("is audited with its reason; an unknown name keeps the name it was tried with", async () => {
    await workOf({ username: "Ghost-User", password: "whatever-password" });
    const [row] = await t.query<{ subject_user_id: string | null; details: { reason: string; username?: string } }>(
      sql`SELECT subject_user_id, details FROM audit_events WHERE action = 'sign_in.password' ORDER BY id DESC LIMIT 1`,
    );
    expect(row!.subject_user_id).toBeNull();
    expect(row!.details).toEqual({ reason: "unknown user", username: "ghost-user" });
  });
});

/**
 * A right password's success is one statement behind the row lock (lib/mfa/lockout.ts
 * `passwordGate`): it writes only when the account is usable and clean; otherwise the attempt
 * goes on from the row it read, as before — an expired lock cleared and audited, counters reset.
 */
describe("a right password", () => {
  const sessionsOf = async (userId: string) =>
    (await t.query<{ n: number }>(sql`SELECT count(*)::int AS n FROM sessions WHERE user_id = ${userId}`))[0]!.n;
  const auditsOf = async (userId: string) =>
    t.query<{ action: string; outcome: string }>(sql`SELECT action, outcome FROM audit_events WHERE subject_user_id = ${userId} ORDER BY id`);

  it("signs a clean account in with one statement in its transaction: the session, the last sign-in and one audit row", async () => {
    const user = await t.createUser({ group: "commercial" });
    const work = await workOf({ username: user.username, password: user.password });
    expect(work.ok).toBe(true);
    expect(work.transactions).toBe(1);
    // The lookup, then the gated statement (row lock, session, last sign-in, audit row).
    expect(work.statements).toHaveLength(2);
    expect(work.statements[1]).toMatch(/FOR UPDATE OF u/);
    expect(await sessionsOf(user.id)).toBe(1);
    expect(await auditsOf(user.id)).toEqual([{ action: "sign_in.password", outcome: "ok" }]);
    const [u] = await t.query<{ signed_in: boolean }>(sql`SELECT last_sign_in_at IS NOT NULL AS signed_in FROM users WHERE id = ${user.id}`);
    expect(u!.signed_in).toBe(true);
  });

  it("runs the same statement text as a refusal up to the row lock, for a user with and without MFA", async () => {
    const a = await t.createUser({ group: "commercial" });
    const b = await t.createUser({ group: "retail" });
    await t.createTotpFactor(b.id);
    const right = await workOf({ username: a.username, password: a.password });
    const pending = await workOf({ username: b.username, password: b.password });
    const wrong = await workOf({ username: b.username, password: "wrong-password" });
    expect(right.statements.slice(0, 2)).toEqual(wrong.statements.slice(0, 2));
    expect(pending.statements.slice(0, 2)).toEqual(wrong.statements.slice(0, 2));
    expect(pending.ok).toBe(true);
    const [s] = await t.query<{ mfa_state: string }>(sql`SELECT mfa_state FROM sessions WHERE user_id = ${b.id}`);
    expect(s!.mfa_state).toBe("pending");
  });

  it("for a user with MFA, the same one statement also returns what the in-place step offers", async () => {
    const user = await t.createUser({ group: "retail" });
    await t.createTotpFactor(user.id);
    log = [];
    const result = await passwordSignIn(t.db, { username: user.username, password: user.password }, { ip: "192.0.2.10", userAgent: "factors" });
    // The lookup, then the gated statement: no factor read after it.
    expect(log).toHaveLength(2);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.mfaState).toBe("pending");
    expect([...result.factors.snapshot.activeTypes]).toEqual(["totp"]);
    expect(result.factors.profile?.signIn).toContain("totp");
  });

  it("at a locked account starts nothing and changes nothing but its audit row", async () => {
    const user = await t.createUser({ group: "commercial" });
    await t.query(sql`UPDATE users SET locked_at = now(), failed_attempts = 5 WHERE id = ${user.id}`);
    expect((await workOf({ username: user.username, password: user.password })).ok).toBe(false);
    expect(await sessionsOf(user.id)).toBe(0);
    expect(await auditsOf(user.id)).toEqual([{ action: "sign_in.password", outcome: "refused" }]);
    const [u] = await t.query<{ failed_attempts: number; signed_in: boolean }>(
      sql`SELECT failed_attempts, last_sign_in_at IS NOT NULL AS signed_in FROM users WHERE id = ${user.id}`,
    );
    expect(u).toEqual({ failed_attempts: 5, signed_in: false });
  });

  it("after failures, resets the count (no MFA) and signs in once, with one audit row", async () => {
    const user = await t.createUser({ group: "commercial" });
    await t.query(sql`UPDATE users SET failed_attempts = 3 WHERE id = ${user.id}`);
    const work = await workOf({ username: user.username, password: user.password });
    expect(work.ok).toBe(true);
    expect(work.statements.length).toBeGreaterThan(2); // the gate did not admit: reset, then the session
    expect(await sessionsOf(user.id)).toBe(1);
    expect(await auditsOf(user.id)).toEqual([{ action: "sign_in.password", outcome: "ok" }]);
    const [u] = await t.query<{ failed_attempts: number }>(sql`SELECT failed_attempts FROM users WHERE id = ${user.id}`);
    expect(u!.failed_attempts).toBe(0);
  });

  it("after a lock that has run out: the lock is cleared (audited as the system), then one session", async () => {
    const user = await t.createUser({ group: "commercial" });
    await t.query(sql`UPDATE users SET locked_at = now() - interval '2 hours', locked_until = now() - interval '1 hour', failed_attempts = 5 WHERE id = ${user.id}`);
    expect((await workOf({ username: user.username, password: user.password })).ok).toBe(true);
    expect(await sessionsOf(user.id)).toBe(1);
    expect(await auditsOf(user.id)).toEqual([
      { action: "account.unlocked", outcome: "ok" },
      { action: "sign_in.password", outcome: "ok" },
    ]);
  });

  it("20 in parallel with 20 wrong ones at a threshold of 5: sessions only while unlocked, every attempt audited once", async () => {
    const user = await t.createUser({ group: "retail" });
    await t.createTotpFactor(user.id);
    const attempts = Array.from({ length: 40 }, (_, i) => ({ username: user.username, password: i % 2 ? user.password : "wrong-password" }));
    const results = await Promise.all(attempts.map((a) => passwordSignIn(t.db, a, { ip: "192.0.2.10", userAgent: "race" })));
    const oks = results.filter((r) => r.ok).length;
    const audits = await t.query<{ outcome: string; reason: string | null }>(
      sql`SELECT outcome, details->>'reason' AS reason FROM audit_events WHERE subject_user_id = ${user.id} AND action = 'sign_in.password' ORDER BY id`,
    );
    expect(audits).toHaveLength(40);
    expect(audits.filter((a) => a.outcome === "ok")).toHaveLength(oks);
    expect(await sessionsOf(user.id)).toBe(oks);
    // The user has MFA: a right password does not reset the count, so the fifth wrong one locks;
    // after it every attempt, right or wrong, is refused — and no session is live.
    expect(audits.filter((a) => a.outcome === "failed")).toHaveLength(5);
    const locked = audits.findIndex((a) => a.outcome === "refused");
    expect(audits.slice(locked).every((a) => a.outcome === "refused")).toBe(true);
    const [live] = await t.query<{ n: number }>(sql`SELECT count(*)::int AS n FROM sessions WHERE user_id = ${user.id} AND revoked_at IS NULL`);
    expect(live!.n).toBe(0);
  });
});
