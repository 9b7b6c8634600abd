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
