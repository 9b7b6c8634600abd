import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import type { z } from "zod";
import { describe, expect, it } from "vitest";
import { balanceOf, ledgerFrom as ledgerOut } from "@/lib/bank/test-reads";
import { testDbPerFile } from "@/lib/db/test-db-per-file";
import type { ActionState } from "@/lib/actions/state";
import type { CurrentSession } from "@/lib/auth/current";
import { stepUpGrants } from "@/lib/db/schema";
import { createAccount, createPayee, createVerifiedSession } from "@/lib/db/test-db";
import { inputHash, runGuarded } from "@/lib/mfa/step-up-core";
import { parseDestination, transferGuard, transferHandler, transferSchema } from "./transfers";

/**
 * Transfers through the step-up guard against a real database: PGlite in memory by default,
 * PostgreSQL when DATABASE_URL is set. PGlite runs one transaction at a time, so there the
 * parallel tests check the bookkeeping; on PostgreSQL (25 connections) they are the real race.
 */

const onPostgres = !!process.env.DATABASE_URL;
const t = testDbPerFile({ settings: { stepUpAmountMinor: 100_000, blockAmountMinor: 1_000_000, newPayeeHours: 24 } });

// ─── Helpers ───────────────────────────────────────────────────────────────────────────

const IP = "198.51.100.20";
type Parsed = z.infer<typeof transferSchema>;
type Raw = { from: string; to: string; amount: string; memo?: string; idempotencyKey?: string };

const parse = (raw: Raw): Parsed => transferSchema.parse({ idempotencyKey: randomUUID(), ...raw });
const send = (session: CurrentSession, input: Parsed, grantId?: string) =>
  runGuarded(t.db, { session, ip: IP, guard: transferGuard, input, grantId, handler: transferHandler });

async function mintGrant(session: CurrentSession, input: Parsed): Promise<string> {
  const [g] = await t.db
    .insert(stepUpGrants)
    .values({
      sessionId: session.id,
      userId: session.userId,
      action: "transfer",
      inputHash: inputHash("transfer", input),
      expiresAt: sql`now() + interval '5 minutes'`,
    })
    .returning({ id: stepUpGrants.id });
  return g!.id;
}

const balance = (accountId: string) => balanceOf(t, accountId);
const ledgerFrom = (accountId: string) => ledgerOut(t, accountId);

async function ledgerOf(userId: string) {
  return t.query<{ from_account_id: string; to_account_id: string | null; payee_id: string | null; amount: number; memo: string }>(
    sql`SELECT from_account_id, to_account_id, payee_id, amount_minor::float8 AS amount, memo FROM transfers WHERE user_id = ${userId}`,
  );
}

type AuditRow = { action: string; outcome: string; reason: string | null; rule: string | null; amount: number | null; to: string | null; ip: string | null };
async function auditOf(userId: string): Promise<AuditRow[]> {
  return t.query<AuditRow>(
    sql`SELECT action, outcome, details->>'reason' AS reason, details->>'rule' AS rule,
               (details->>'amountMinor')::float8 AS amount, details->>'to' AS to, host(ip) AS ip
          FROM audit_events WHERE subject_user_id = ${userId} ORDER BY id`,
  );
}
const pick = (list: AuditRow[], action: string, outcome?: string) =>
  list.filter((a) => a.action === action && (!outcome || a.outcome === outcome));

async function customer(o: { balance?: number; second?: number } = {}) {
  const user = await t.createUser();
  await t.createTotpFactor(user.id);
  const main = await createAccount(t.db, user.id, { name: "Everyday", balanceMinor: o.balance ?? 500_000 });
  const savings = await createAccount(t.db, user.id, { name: "Savings", balanceMinor: o.second ?? 0 });
  const oldPayee = await createPayee(t.db, user.id, { name: "Jane Doe", ageHours: 25 });
  const session = await createVerifiedSession(t.db, user.id);
  return { user, main, savings, oldPayee, session };
}

const ok = (s: ActionState) => s.status === "ok";

// ─── Tests ─────────────────────────────────────────────────────────────────────────────

describe(`transfers on ${onPostgres ? "PostgreSQL" : "PGlite"}`, () => {
  it("parseDestination reads only account:<uuid> and payee:<uuid>", () => {
    const id = randomUUID();
    expect(parseDestination(`account:${id}`)).toEqual({ kind: "account", id });
    expect(parseDestination(`payee:${id}`)).toEqual({ kind: "payee", id });
    for (const bad of [id, `user:${id}`, `account:${id}x`, `account:${id.slice(1)}`, ` payee:${id}`, ""]) expect(parseDestination(bad)).toBeNull();
  });

  it("a small transfer to an own account runs without a grant: both balances, one ledger row, audited", async () => {
    const c = await customer();
    const state = await send(c.session, parse({ from: c.main.id, to: `account:${c.savings.id}`, amount: "1000.00", memo: " rent " }));
    expect(state).toEqual({ status: "ok", message: "Sent €1,000.00 to Savings." });
    expect(await balance(c.main.id)).toBe(400_000);
    expect(await balance(c.savings.id)).toBe(100_000);
    expect(await ledgerOf(c.user.id)).toEqual([{ from_account_id: c.main.id, to_account_id: c.savings.id, payee_id: null, amount: 100_000, memo: "rent" }]);
    const audit = await auditOf(c.user.id);
    expect(audit).toEqual([{ action: "transfer", outcome: "ok", reason: null, rule: null, amount: 100_000, to: `account:${c.savings.id}`, ip: IP }]);
  });

  it("a small transfer to a payee added more than 24 h ago runs without a grant; money leaves the bank", async () => {
    const c = await customer();
    const state = await send(c.session, parse({ from: c.main.id, to: `payee:${c.oldPayee.id}`, amount: "999.99" }));
    expect(state).toEqual({ status: "ok", message: "Sent €999.99 to Jane Doe." });
    expect(await balance(c.main.id)).toBe(500_000 - 99_999);
    expect(await ledgerOf(c.user.id)).toEqual([{ from_account_id: c.main.id, to_account_id: null, payee_id: c.oldPayee.id, amount: 99_999, memo: "" }]);
    expect(pick(await auditOf(c.user.id), "transfer", "ok")).toHaveLength(1);
  });

  it("risk rule boundaries: 1,000.00 allowed, 1,000.01 needs MFA, 10,000.00 needs MFA, 10,000.01 blocked", async () => {
    const c = await customer({ balance: 5_000_000 });
    const to = `account:${c.savings.id}`;
    expect(await send(c.session, parse({ from: c.main.id, to, amount: "1000.00" }))).toMatchObject({ status: "ok" });
    expect(await send(c.session, parse({ from: c.main.id, to, amount: "1000.01" }))).toMatchObject({ code: "mfa_required" });
    expect(await send(c.session, parse({ from: c.main.id, to, amount: "10000.00" }))).toMatchObject({ code: "mfa_required" });
    expect(await send(c.session, parse({ from: c.main.id, to, amount: "10000.01" }))).toMatchObject({ code: "blocked" });
    expect(await ledgerFrom(c.main.id)).toEqual({ n: 1, sum: 100_000 });
  });

  it("a transfer to a payee added just now needs MFA even for 5.00, and goes through with the grant", async () => {
    const c = await customer();
    const fresh = await createPayee(t.db, c.user.id, { name: "New Person", ageHours: 0 });
    const input = parse({ from: c.main.id, to: `payee:${fresh.id}`, amount: "5.00" });
    const state = await send(c.session, input);
    if (state.code !== "mfa_required") throw new Error(`expected "MFA required", got ${JSON.stringify(state)}`);
    expect(state.challenge.description).toBe(`Transfer €5.00 to New Person ••${fresh.accountNumber.slice(-4)}`);
    expect(pick(await auditOf(c.user.id), "step_up.required", "ok")[0]).toMatchObject({ reason: "payee added in the last 24 h", amount: 500 });
    expect(await balance(c.main.id)).toBe(500_000);

    expect(await send(c.session, input, await mintGrant(c.session, input))).toEqual({ status: "ok", message: "Sent €5.00 to New Person." });
    expect(await balance(c.main.id)).toBe(499_500);

    // 23 h old is still new; 24 h is not (the setting decides).
    await t.db.execute(sql`UPDATE payees SET created_at = now() - interval '23 hours' WHERE id = ${fresh.id}`);
    expect(await send(c.session, parse({ from: c.main.id, to: `payee:${fresh.id}`, amount: "5.00" }))).toMatchObject({ code: "mfa_required" });
    await t.db.execute(sql`UPDATE payees SET created_at = now() - interval '24 hours 1 minute' WHERE id = ${fresh.id}`);
    expect(await send(c.session, parse({ from: c.main.id, to: `payee:${fresh.id}`, amount: "5.00" }))).toMatchObject({ status: "ok" });
  });

  it("over 10,000.00 is blocked with a clear message, audited as refused 'blocked by rule'; a grant does not help", async () => {
    const c = await customer({ balance: 5_000_000 });
    const input = parse({ from: c.main.id, to: `payee:${c.oldPayee.id}`, amount: "10000.01" });
    const grant = await mintGrant(c.session, input);
    const state = await send(c.session, input, grant);
    expect(state).toEqual({
      status: "error",
      code: "blocked",
      message: "Transfers over €10,000.00 cannot be made online. Please call the bank.",
    });
    expect(await balance(c.main.id)).toBe(5_000_000);
    expect((await ledgerFrom(c.main.id)).n).toBe(0);
    const [used] = await t.query<{ used: boolean }>(sql`SELECT used_at IS NOT NULL AS used FROM step_up_grants WHERE id = ${grant}`);
    expect(used!.used).toBe(false);
    expect(await auditOf(c.user.id)).toEqual([
      {
        action: "transfer",
        outcome: "refused",
        reason: "blocked by rule",
        rule: "Transfers over €10,000.00 cannot be made online. Please call the bank.",
        amount: 1_000_001,
        to: `payee:${c.oldPayee.id}`,
        ip: IP,
      },
    ]);
  });

  it("another user's account or payee, as source or destination, is refused with a clear message; nothing moves", async () => {
    const c = await customer();
    const other = await customer({ balance: 700_000 });
    const cases: [Raw, RegExp][] = [
      [{ from: other.main.id, to: `account:${c.savings.id}`, amount: "10.00" }, /^Choose one of your accounts to send from\.$/],
      [{ from: other.main.id, to: `account:${other.savings.id}`, amount: "10.00" }, /^Choose one of your accounts to send from\.$/],
      [{ from: other.main.id, to: `payee:${other.oldPayee.id}`, amount: "10.00" }, /^Choose one of your accounts to send from\.$/],
      [{ from: c.main.id, to: `account:${other.main.id}`, amount: "10.00" }, /^Choose one of your accounts or payees\.$/],
      [{ from: c.main.id, to: `payee:${other.oldPayee.id}`, amount: "10.00" }, /^Choose one of your accounts or payees\.$/],
      [{ from: c.main.id, to: `account:${randomUUID()}`, amount: "10.00" }, /^Choose one of your accounts or payees\.$/],
      [{ from: c.main.id, to: `account:${c.main.id}`, amount: "10.00" }, /^Choose a different account to send to\.$/],
    ];
    for (const [raw, message] of cases) {
      const state = await send(c.session, parse(raw));
      expect(state.status, JSON.stringify(raw)).toBe("error");
      expect(state.message, JSON.stringify(raw)).toMatch(message);
    }
    // Large: the grant is honoured for the exact input, and the ownership check still refuses.
    const stolen = parse({ from: other.main.id, to: `account:${c.savings.id}`, amount: "5000.00" });
    expect(await send(c.session, stolen, await mintGrant(c.session, stolen))).toMatchObject({ status: "error", message: "Choose one of your accounts to send from." });

    for (const a of [c.main, c.savings]) expect(await balance(a.id)).toBe(a === c.main ? 500_000 : 0);
    expect(await balance(other.main.id)).toBe(700_000);
    expect(await balance(other.savings.id)).toBe(0);
    expect(await ledgerOf(c.user.id)).toEqual([]);
    expect(await ledgerOf(other.user.id)).toEqual([]);
    const audit = await auditOf(c.user.id);
    expect(pick(audit, "transfer", "refused")).toHaveLength(cases.length + 1);
    expect(pick(audit, "transfer", "ok")).toHaveLength(0);
    expect(await auditOf(other.user.id)).toEqual([]);
  });

  it("tampered amounts never reach the guard: the schema refuses them", () => {
    const from = randomUUID();
    const to = `account:${randomUUID()}`;
    for (const amount of ["-1", "0", "0.001", "1e9", "NaN", "１０", "10,50", 1000, ["10"]]) {
      const r = transferSchema.safeParse({ from, to, amount, idempotencyKey: randomUUID() });
      expect(r.success, JSON.stringify(amount)).toBe(false);
    }
    expect(transferSchema.safeParse({ from, to, amount: "1", idempotencyKey: "not-a-uuid" }).success).toBe(false);
    expect(transferSchema.safeParse({ from, to, amount: "1", idempotencyKey: randomUUID(), memo: "x".repeat(141) }).success).toBe(false);
  });

  it("idempotency: the same key twice moves money once; the second is refused as already made", async () => {
    const c = await customer();
    const input = parse({ from: c.main.id, to: `account:${c.savings.id}`, amount: "25.00" });
    expect(await send(c.session, input)).toMatchObject({ status: "ok" });
    const again = await send(c.session, input);
    expect(again).toEqual({ status: "error", message: "This transfer was already made. Refresh to see it in your history." });
    // The key is what counts: another amount or destination with the same key is refused too.
    const edited = parse({ from: c.main.id, to: `payee:${c.oldPayee.id}`, amount: "30.00", idempotencyKey: input.idempotencyKey });
    expect(await send(c.session, edited)).toMatchObject({ status: "error", message: expect.stringMatching(/already made/) });
    expect(await ledgerFrom(c.main.id)).toEqual({ n: 1, sum: 2_500 });
    expect(await balance(c.main.id)).toBe(500_000 - 2_500);
    expect(await balance(c.savings.id)).toBe(2_500);
    // The statement that would have moved the money carried the audit row: one "ok" for the one
    // transfer, and each repeat is recorded as refused, never as a second "ok".
    expect((await auditOf(c.user.id)).map((a) => [a.action, a.outcome, a.reason])).toEqual([
      ["transfer", "ok", null],
      ["transfer", "refused", "This transfer was already made. Refresh to see it in your history."],
      ["transfer", "refused", "This transfer was already made. Refresh to see it in your history."],
    ]);
    // Another user may use the same key: keys are per user.
    const other = await customer();
    expect(await send(other.session, parse({ from: other.main.id, to: `account:${other.savings.id}`, amount: "1.00", idempotencyKey: input.idempotencyKey }))).toMatchObject({ status: "ok" });
  });

  it("a double click: 10 parallel submissions with one idempotency key move money once", async () => {
    const c = await customer();
    const input = parse({ from: c.main.id, to: `payee:${c.oldPayee.id}`, amount: "40.00" });
    const states = await Promise.all(Array.from({ length: 10 }, () => send(c.session, input)));
    expect(states.filter(ok)).toHaveLength(1);
    expect(states.filter((s) => /already made/.test(s.message ?? ""))).toHaveLength(9);
    expect(await ledgerFrom(c.main.id)).toEqual({ n: 1, sum: 4_000 });
    expect(await balance(c.main.id)).toBe(496_000);
  });

  it("100 parallel transfers that together exceed the balance: never negative, floor(balance/amount) succeed, Σ ledger = Δ balance", async () => {
    const start = 10_000; // 100.00
    const amount = 300; // 3.00 → 33 fit
    const c = await customer({ balance: start });
    const targets = [`account:${c.savings.id}`, `payee:${c.oldPayee.id}`];
    const inputs = Array.from({ length: 100 }, (_, i) => parse({ from: c.main.id, to: targets[i % 2]!, amount: "3.00" }));

    let lowest = start;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        lowest = Math.min(lowest, await balance(c.main.id));
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    const results = await Promise.allSettled(inputs.map((input) => send(c.session, input)));
    sampling = false;
    await sampler;

    const rejected = results.filter((r) => r.status === "rejected");
    expect(rejected.map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
    const states = results.map((r) => (r as PromiseFulfilledResult<ActionState>).value);
    const succeeded = states.filter(ok).length;
    expect(succeeded).toBe(Math.floor(start / amount));
    expect(states.filter((s) => s.fieldErrors?.amount?.[0] === "More than the available balance.")).toHaveLength(100 - succeeded);

    const end = await balance(c.main.id);
    expect(end).toBe(start - succeeded * amount);
    expect(end).toBeGreaterThanOrEqual(0);
    expect(lowest).toBeGreaterThanOrEqual(0);
    const ledger = await ledgerFrom(c.main.id);
    expect(ledger).toEqual({ n: succeeded, sum: start - end });
    const [toSavings] = await t.query<{ sum: number }>(
      sql`SELECT COALESCE(sum(amount_minor), 0)::float8 AS sum FROM transfers WHERE to_account_id = ${c.savings.id}`,
    );
    expect(await balance(c.savings.id)).toBe(toSavings!.sum);
    const audit = await auditOf(c.user.id);
    expect(pick(audit, "transfer", "ok")).toHaveLength(succeeded);
    expect(pick(audit, "transfer", "refused")).toHaveLength(100 - succeeded);

    if (onPostgres) {
      // The pool really ran them side by side.
      const [conns] = await t.query<{ n: number }>(sql`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database()`);
      expect(conns!.n).toBeGreaterThan(10);
    }
  });

  it("A→B and B→A in parallel do not deadlock and conserve the total", async () => {
    const c = await customer({ balance: 50_000, second: 50_000 });
    const a = c.main.id;
    const b = c.savings.id;
    const inputs = Array.from({ length: 100 }, (_, i) =>
      i % 2 === 0
        ? parse({ from: a, to: `account:${b}`, amount: `${(i % 7) + 1}.00` })
        : parse({ from: b, to: `account:${a}`, amount: `${(i % 5) + 1}.50` }),
    );
    const results = await Promise.allSettled(inputs.map((input) => send(c.session, input)));
    expect(results.filter((r) => r.status === "rejected").map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
    const states = results.map((r) => (r as PromiseFulfilledResult<ActionState>).value);
    expect(states.filter(ok)).toHaveLength(100); // 100.00 less 3.50 × 50 at worst: always enough

    const [ba, bb] = [await balance(a), await balance(b)];
    expect(ba + bb).toBe(100_000);
    const outA = await ledgerFrom(a);
    const outB = await ledgerFrom(b);
    expect(outA.n + outB.n).toBe(100);
    expect(ba).toBe(50_000 - outA.sum + outB.sum);
    expect(bb).toBe(50_000 - outB.sum + outA.sum);
  });

  it("A→B and B→A in parallel near empty: never negative, total conserved, every refusal is 'not enough money'", async () => {
    const c = await customer({ balance: 1_000, second: 1_000 });
    const a = c.main.id;
    const b = c.savings.id;
    const inputs = Array.from({ length: 60 }, (_, i) =>
      parse(i % 2 === 0 ? { from: a, to: `account:${b}`, amount: "7.00" } : { from: b, to: `account:${a}`, amount: "3.00" }),
    );
    const results = await Promise.allSettled(inputs.map((input) => send(c.session, input)));
    expect(results.filter((r) => r.status === "rejected").map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
    const states = results.map((r) => (r as PromiseFulfilledResult<ActionState>).value);
    for (const s of states.filter((s) => !ok(s))) expect(s.message).toMatch(/^Not enough money in (Everyday|Savings)/);
    const [ba, bb] = [await balance(a), await balance(b)];
    expect(ba).toBeGreaterThanOrEqual(0);
    expect(bb).toBeGreaterThanOrEqual(0);
    expect(ba + bb).toBe(2_000);
    const outA = await ledgerFrom(a);
    const outB = await ledgerFrom(b);
    expect(outA.n + outB.n).toBe(states.filter(ok).length);
    expect(ba).toBe(1_000 - outA.sum + outB.sum);
  });
});
