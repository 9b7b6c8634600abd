import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { describe, expect, it } from "vitest";
import { balanceOf, ledgerFrom as ledgerOut } from "@/lib/bank/test-reads";
import { testDbPerFile } from "@/lib/db/test-db-per-file";
import type { ActionState, ErrorState } from "@/lib/actions/state";
import type { CurrentSession } from "@/lib/auth/current";
import { transferGuard, transferHandler, transferSchema } from "@/lib/bank/transfers";
import { createAccount, createPayee, createVerifiedSession } from "@/lib/db/test-db";
import { openChallenge } from "./challenges";
import { mintGrant as mintRealGrant } from "./grants";
import { inputHash, Refusal, runGuarded, type RiskDecision, type StepUpRequired } from "./step-up-core";

/**
 * The step-up guard against a real database: PGlite in memory by default, PostgreSQL when
 * DATABASE_URL is set (25 connections, so the parallel tests really race there). Grants are
 * minted by the real `mintGrant`, as the step-up dialog's answer mints them: bound to the
 * session, the action, inputHash(action, validated input) and a step_up challenge, expiring
 * after the token lifetime.
 */


const t = testDbPerFile({ settings: { stepUpAmountMinor: 100_000, blockAmountMinor: 1_000_000, newPayeeHours: 24 } });

// ─── Helpers ───────────────────────────────────────────────────────────────────────────

const IP = "203.0.113.9";

type RawTransfer = { from: string; to: string; amount: string; memo?: string; idempotencyKey?: string };
type ParsedTransfer = z.infer<typeof transferSchema>;

/** What stepUpAction hands runGuarded: the schema's output (amount in minor units). */
function parse(raw: RawTransfer): ParsedTransfer {
  return transferSchema.parse({ idempotencyKey: randomUUID(), ...raw });
}

function transfer(session: CurrentSession, input: ParsedTransfer, grantId?: string) {
  return runGuarded(t.db, { session, ip: IP, guard: transferGuard, input, grantId, handler: transferHandler });
}

/**
 * A grant as the step-up dialog's answer mints it: a step_up challenge of this session, then
 * the real `mintGrant` (lib/mfa/grants.ts) in one transaction — the lifetime from settings.
 * `expired` then ages the row past its deadline (moved, not waited for).
 */
async function mintGrant(session: CurrentSession, action: string, input: unknown, opts: { expired?: boolean } = {}): Promise<string> {
  return t.db.transaction(async (tx) => {
    const hash = inputHash(action, input);
    const challenge = await openChallenge(tx, {
      sessionId: session.id,
      userId: session.userId,
      purpose: "step_up",
      context: { action, inputHash: hash },
      key: randomUUID(), // its own challenge: parallel mints never share one
    });
    const id = await mintRealGrant(tx, { sessionId: session.id, userId: session.userId, action, inputHash: hash, challengeId: challenge.id });
    if (opts.expired) await tx.execute(sql`UPDATE step_up_grants SET expires_at = app_now() - interval '1 second' WHERE id = ${id}`);
    return id;
  });
}

type GrantRow = { used: boolean; voided: boolean };
async function grantState(id: string): Promise<GrantRow> {
  const [g] = await t.query<GrantRow>(
    sql`SELECT used_at IS NOT NULL AS used, voided_at IS NOT NULL AS voided FROM step_up_grants WHERE id = ${id}`,
  );
  return g!;
}

const balance = (accountId: string) => balanceOf(t, accountId);
const ledgerFrom = (accountId: string) => ledgerOut(t, accountId);

type AuditRow = { action: string; outcome: string; reason: string | null; for: string | null; session_id: string | null; amount: number | null };
async function auditOf(userId: string): Promise<AuditRow[]> {
  return t.query<AuditRow>(
    sql`SELECT action, outcome, details->>'reason' AS reason, details->>'for' AS for, session_id,
               (details->>'amountMinor')::bigint::float8 AS amount
          FROM audit_events WHERE subject_user_id = ${userId} ORDER BY id`,
  );
}
const pick = (list: AuditRow[], action: string, outcome?: string) =>
  list.filter((a) => a.action === action && (!outcome || a.outcome === outcome));

/** A retail customer with TOTP (so step-up is possible), two accounts and an old payee. */
async function customer(o: { balance?: number; factor?: boolean } = {}) {
  const user = await t.createUser();
  if (o.factor !== false) await t.createTotpFactor(user.id);
  const main = await createAccount(t.db, user.id, { name: "Everyday", balanceMinor: o.balance ?? 2_000_000 });
  const savings = await createAccount(t.db, user.id, { name: "Savings", balanceMinor: 0 });
  const payee = await createPayee(t.db, user.id, { name: "Jane Doe", ageHours: 48 });
  const session = await createVerifiedSession(t.db, user.id);
  return { user, main, savings, payee, session };
}

function expectMfaRequired(state: ActionState): StepUpRequired {
  if (state.code !== "mfa_required") throw new Error(`expected "MFA required", got ${JSON.stringify(state)}`);
  const data = state.challenge;
  expect(data.challengeId).toMatch(/^[0-9a-f-]{36}$/);
  expect(data.factors.map((f) => f.id)).toContain("totp");
  return data;
}

// ─── Tests ─────────────────────────────────────────────────────────────────────────────

describe(`step-up guard on ${process.env.DATABASE_URL ? "PostgreSQL" : "PGlite"}`, () => {
  it("a large transfer without a grant answers mfa_required with a step_up challenge bound to the exact input; nothing moves", async () => {
    const c = await customer();
    const input = parse({ from: c.main.id, to: `payee:${c.payee.id}`, amount: "1500.00" });
    const state = await transfer(c.session, input);
    const data = expectMfaRequired(state);
    expect(data.description.replace(/\s/g, " ")).toBe(`Transfer €1,500.00 to Jane Doe ••${c.payee.accountNumber.slice(-4)}`);

    const [ch] = await t.query<{ session_id: string; user_id: string; purpose: string; status: string; context: Record<string, unknown> }>(
      sql`SELECT session_id, user_id, purpose, status, context FROM challenges WHERE id = ${data.challengeId}`,
    );
    expect(ch).toMatchObject({ session_id: c.session.id, user_id: c.user.id, purpose: "step_up", status: "open" });
    expect(ch!.context).toMatchObject({ action: "transfer", inputHash: inputHash("transfer", input), description: data.description });

    // Asking again (a reload, a double click) reuses the same open challenge.
    expect(expectMfaRequired(await transfer(c.session, input)).challengeId).toBe(data.challengeId);

    expect(await balance(c.main.id)).toBe(2_000_000);
    expect((await ledgerFrom(c.main.id)).n).toBe(0);
    const audit = await auditOf(c.user.id);
    expect(pick(audit, "step_up.required", "ok")).toHaveLength(2);
    expect(pick(audit, "step_up.required")[0]).toMatchObject({ for: "transfer", reason: "amount over €1,000.00", amount: 150_000 });
    expect(pick(audit, "transfer")).toHaveLength(0);
  });

  it("a matching grant makes the transfer once; the same grant again is refused (used)", async () => {
    const c = await customer();
    const input = parse({ from: c.main.id, to: `account:${c.savings.id}`, amount: "1500.00", memo: "rent" });
    const grant = await mintGrant(c.session, "transfer", input);

    const ok = await transfer(c.session, input, grant);
    expect(ok).toMatchObject({ status: "ok", message: "Sent €1,500.00 to Savings." });
    expect(await grantState(grant)).toEqual({ used: true, voided: false });
    expect(await balance(c.main.id)).toBe(2_000_000 - 150_000);
    expect(await balance(c.savings.id)).toBe(150_000);

    // Replaying the request (same input, same grant) moves nothing.
    expectMfaRequired(await transfer(c.session, input, grant));
    expect(await balance(c.main.id)).toBe(2_000_000 - 150_000);
    expect(await ledgerFrom(c.main.id)).toEqual({ n: 1, sum: 150_000 });

    const audit = await auditOf(c.user.id);
    const grants = pick(audit, "step_up.grant");
    expect(grants.map((a) => a.outcome)).toEqual(["ok", "refused"]);
    expect(grants[0]).toMatchObject({ for: "transfer", reason: "amount over €1,000.00", session_id: c.session.id, amount: 150_000 });
    expect(grants[1]).toMatchObject({ for: "transfer", reason: "grant unknown, used, expired or not this session's" });
    expect(pick(audit, "transfer", "ok")).toHaveLength(1);
  });

  it("a grant for 10.00 to A presented with 9,000.00 to B is refused and voided: the original input no longer works either", async () => {
    const c = await customer();
    const small = parse({ from: c.main.id, to: `account:${c.savings.id}`, amount: "10.00" });
    const grant = await mintGrant(c.session, "transfer", small);
    const big = parse({ from: c.main.id, to: `payee:${c.payee.id}`, amount: "9000.00", idempotencyKey: small.idempotencyKey });

    expectMfaRequired(await transfer(c.session, big, grant));
    expect(await grantState(grant)).toEqual({ used: false, voided: true });

    // The same grant for a large version of the input it was made for: still refused.
    const large = parse({ ...small, amount: "1000.01" } as unknown as RawTransfer);
    expect(inputHash("transfer", large)).not.toBe(inputHash("transfer", small));
    expectMfaRequired(await transfer(c.session, large, grant));
    // Even with exactly the input it was minted for, a voided grant is dead (here the rule asks
    // for MFA only because of a lowered threshold, so the grant is really presented).
    await t.setSettings({ stepUpAmountMinor: 500 });
    expectMfaRequired(await transfer(c.session, small, grant));

    expect(await balance(c.main.id)).toBe(2_000_000);
    expect((await ledgerFrom(c.main.id)).n).toBe(0);
    const grants = pick(await auditOf(c.user.id), "step_up.grant");
    expect(grants.map((a) => [a.outcome, a.reason])).toEqual([
      ["refused", "input differs: grant voided"],
      ["refused", "grant unknown, used, expired or not this session's"],
      ["refused", "grant unknown, used, expired or not this session's"],
    ]);
  });

  it("a grant of another session of the same user, or of another user, is refused and left untouched", async () => {
    const c = await customer();
    const otherSession = await createVerifiedSession(t.db, c.user.id);
    const stranger = await customer();
    const input = parse({ from: c.main.id, to: `payee:${c.payee.id}`, amount: "2500.00" });

    const fromOtherSession = await mintGrant(otherSession, "transfer", input);
    const fromStranger = await mintGrant(stranger.session, "transfer", input);
    expectMfaRequired(await transfer(c.session, input, fromOtherSession));
    expectMfaRequired(await transfer(c.session, input, fromStranger));
    // A grant for another action with this very input never serves a transfer.
    const otherAction = await mintGrant(c.session, "payee.add", input);
    expectMfaRequired(await transfer(c.session, input, otherAction));
    // Nor does an id that is no grant at all.
    expectMfaRequired(await transfer(c.session, input, randomUUID()));

    for (const g of [fromOtherSession, fromStranger, otherAction]) expect(await grantState(g)).toEqual({ used: false, voided: false });
    expect(await balance(c.main.id)).toBe(2_000_000);
    expect((await ledgerFrom(c.main.id)).n).toBe(0);
    expect(pick(await auditOf(c.user.id), "step_up.grant").map((a) => a.outcome)).toEqual(["refused", "refused", "refused", "refused"]);

    // The other session's grant still works where it belongs.
    expect(await transfer(otherSession, input, fromOtherSession)).toMatchObject({ status: "ok" });
    expect(await balance(c.main.id)).toBe(2_000_000 - 250_000);
  });

  it("an expired grant is refused", async () => {
    const c = await customer();
    const input = parse({ from: c.main.id, to: `account:${c.savings.id}`, amount: "1200.00" });
    const expired = await mintGrant(c.session, "transfer", input, { expired: true });
    expectMfaRequired(await transfer(c.session, input, expired));
    expect(await grantState(expired)).toEqual({ used: false, voided: false });
    expect(await balance(c.main.id)).toBe(2_000_000);
    expect(pick(await auditOf(c.user.id), "step_up.grant", "refused")).toHaveLength(1);
  });

  it("a refusal inside the action rolls back the grant consumption: the grant stays usable", async () => {
    const c = await customer({ balance: 100_000 });
    const input = parse({ from: c.main.id, to: `payee:${c.payee.id}`, amount: "1500.00" });
    const grant = await mintGrant(c.session, "transfer", input);
    const refused = await transfer(c.session, input, grant);
    expect(refused).toMatchObject({ status: "error", fieldErrors: { amount: ["More than the available balance."] } });
    expect(refused.message).toMatch(/^Not enough money in Everyday: €1,000\.00 available\.$/);
    expect(await grantState(grant)).toEqual({ used: false, voided: false });

    await t.db.execute(sql`UPDATE accounts SET balance_minor = 200000 WHERE id = ${c.main.id}`);
    expect(await transfer(c.session, input, grant)).toMatchObject({ status: "ok" });
    expect(await grantState(grant)).toEqual({ used: true, voided: false });
    expect(await balance(c.main.id)).toBe(50_000);
  });

  it("the grant lifetime follows settings.mfa_token_lifetime_minutes as verifyStepUp sets it", async () => {
    await t.setSettings({ mfaTokenLifetimeMinutes: 1 });
    const c = await customer();
    const input = parse({ from: c.main.id, to: `account:${c.savings.id}`, amount: "1200.00" });
    const grant = await mintGrant(c.session, "transfer", input);
    // The real minting took its lifetime from the setting: one minute.
    const [{ minutes }] = await t.query<{ minutes: number }>(
      sql`SELECT round(extract(epoch FROM expires_at - created_at) / 60)::int AS minutes FROM step_up_grants WHERE id = ${grant}`,
    );
    expect(minutes).toBe(1);
    // One minute later (moved back in time rather than waited for), the grant is dead.
    await t.db.execute(sql`UPDATE step_up_grants SET expires_at = app_now() - interval '1 second' WHERE id = ${grant}`);
    expectMfaRequired(await transfer(c.session, input, grant));
  });

  it("no step-up factor: refused with a clear message, no challenge opened", async () => {
    const c = await customer({ factor: false });
    const input = parse({ from: c.main.id, to: `account:${c.savings.id}`, amount: "1500.00" });
    const state = await transfer(c.session, input);
    expect(state).toMatchObject({ status: "error", message: expect.stringMatching(/authenticator app/) });
    expect(state.code).toBeUndefined();
    const [n] = await t.query<{ n: number }>(sql`SELECT count(*)::int AS n FROM challenges WHERE session_id = ${c.session.id}`);
    expect(n!.n).toBe(0);
    expect(pick(await auditOf(c.user.id), "step_up.required", "refused")[0]).toMatchObject({ reason: "no step-up factor" });
  });

  it("20 parallel submissions with ONE grant move the money exactly once", async () => {
    const c = await customer({ balance: 1_000_000 });
    const input = parse({ from: c.main.id, to: `payee:${c.payee.id}`, amount: "2000.00" });
    const grant = await mintGrant(c.session, "transfer", input);

    const results = await Promise.allSettled(Array.from({ length: 20 }, () => transfer(c.session, input, grant)));
    const states = results.map((r) => (r.status === "fulfilled" ? r.value : { status: "rejected", message: String(r.reason) }));
    expect(states.filter((s) => s.status === "rejected")).toEqual([]);
    expect(states.filter((s) => s.status === "ok")).toHaveLength(1);
    expect(states.filter((s) => "code" in s && s.code === "mfa_required")).toHaveLength(19);

    expect(await ledgerFrom(c.main.id)).toEqual({ n: 1, sum: 200_000 });
    expect(await balance(c.main.id)).toBe(1_000_000 - 200_000);
    const audit = await auditOf(c.user.id);
    expect(pick(audit, "step_up.grant", "ok")).toHaveLength(1);
    expect(pick(audit, "step_up.grant", "refused")).toHaveLength(19);
    expect(pick(audit, "transfer", "ok")).toHaveLength(1);
  });

  it("20 parallel submissions, each with its own grant for the same input and key: one moves money, the rest say 'already made'", async () => {
    const c = await customer({ balance: 1_000_000 });
    const input = parse({ from: c.main.id, to: `payee:${c.payee.id}`, amount: "2000.00" });
    const grants = await Promise.all(Array.from({ length: 20 }, () => mintGrant(c.session, "transfer", input)));

    const states = await Promise.all(grants.map((g) => transfer(c.session, input, g)));
    expect(states.filter((s) => s.status === "ok")).toHaveLength(1);
    expect(states.filter((s) => s.status === "error" && /already made/.test(s.message ?? ""))).toHaveLength(19);
    expect(await ledgerFrom(c.main.id)).toEqual({ n: 1, sum: 200_000 });
    expect(await balance(c.main.id)).toBe(800_000);
    // The refused ones rolled back: their grants were not spent.
    const used = await t.query<{ n: number }>(sql`SELECT count(*)::int AS n FROM step_up_grants WHERE session_id = ${c.session.id} AND used_at IS NOT NULL`);
    expect(used[0]!.n).toBe(1);
  });
});

describe("the guard's options", () => {
  // A toy action on the payees table: always MFA above 100, blocked at 999, refuses "nope".
  const schema = z.object({ name: z.string(), n: z.number() });
  type In = z.infer<typeof schema>;
  const opts = (extra: Partial<{ auditDetails: unknown; onError: (s: ErrorState, i: In) => ErrorState }> = {}) => ({
    action: "toy",
    schema,
    risk: (i: In): RiskDecision =>
      i.n >= 999 ? { decision: "block", message: "Too much." } : i.n > 100 ? { decision: "mfa", reason: "big n" } : { decision: "allow" },
    describe: (i: In) => `Toy ${i.name} ${i.n}`,
    ...(extra as object),
  });
  const handler = async (i: In, { tx, session }: { tx: import("@/lib/db").Tx; session: CurrentSession }): Promise<ActionState> => {
    await tx.execute(sql`INSERT INTO payees (user_id, name, account_number) VALUES (${session.userId}, ${i.name}, 'XX00TOY00000')`);
    if (i.name === "nope") throw new Refusal("Not this one.", { name: ["Pick another name."] });
    return { status: "ok", message: `made ${i.name}` };
  };
  const payeeCount = async (userId: string) =>
    (await t.query<{ n: number }>(sql`SELECT count(*)::int AS n FROM payees WHERE user_id = ${userId} AND account_number = 'XX00TOY00000'`))[0]!.n;
  const auditDetails = async (userId: string, action: string) =>
    t.query<{ outcome: string; details: Record<string, unknown>; ip: string | null }>(
      sql`SELECT outcome, details, host(ip) AS ip FROM audit_events WHERE subject_user_id = ${userId} AND action = ${action} ORDER BY id`,
    );

  it("auditDetails as a string, an object or a function of the input", async () => {
    const c = await customer();
    await runGuarded(t.db, { session: c.session, ip: IP, guard: opts({ auditDetails: "a summary" }), input: { name: "a", n: 1 }, handler });
    await runGuarded(t.db, { session: c.session, ip: IP, guard: opts({ auditDetails: { fixed: true } }), input: { name: "b", n: 1 }, handler });
    await runGuarded(t.db, { session: c.session, ip: null, guard: opts({ auditDetails: (i: In) => ({ name: i.name }) }), input: { name: "c", n: 1 }, handler });
    expect(await auditDetails(c.user.id, "toy")).toEqual([
      { outcome: "ok", details: { summary: "a summary" }, ip: IP },
      { outcome: "ok", details: { fixed: true }, ip: IP },
      { outcome: "ok", details: { name: "c" }, ip: null },
    ]);
    expect(await payeeCount(c.user.id)).toBe(3);
  });

  it("block: nothing runs, audited as refused 'blocked by rule', onError shapes the answer", async () => {
    const c = await customer();
    const onError = (s: ErrorState, i: In): ErrorState => ({ ...s, message: `${s.message} (${i.name})` });
    const state = await runGuarded(t.db, { session: c.session, ip: IP, guard: opts({ onError }), input: { name: "x", n: 999 }, handler });
    expect(state).toEqual({ status: "error", code: "blocked", message: "Too much. (x)" });
    expect(await payeeCount(c.user.id)).toBe(0);
    expect(await auditDetails(c.user.id, "toy")).toMatchObject([{ outcome: "refused", details: { reason: "blocked by rule", rule: "Too much." } }]);
  });

  it("a Refusal rolls back the handler's writes and is audited as refused; onError shapes it", async () => {
    const c = await customer();
    const onError = (s: ErrorState): ErrorState => ({ ...s, message: `Sorry: ${s.message}` });
    const state = await runGuarded(t.db, { session: c.session, ip: IP, guard: opts({ onError }), input: { name: "nope", n: 1 }, handler });
    expect(state).toEqual({ status: "error", message: "Sorry: Not this one.", fieldErrors: { name: ["Pick another name."] } });
    expect(await payeeCount(c.user.id)).toBe(0);
    expect(await auditDetails(c.user.id, "toy")).toMatchObject([{ outcome: "refused", details: { reason: "Not this one." } }]);
  });

  it("an unexpected error propagates (the action wrapper turns it into a generic message) and nothing is kept", async () => {
    const c = await customer();
    const boom = async (i: In, ctx: { tx: import("@/lib/db").Tx; session: CurrentSession }) => {
      await handler(i, ctx);
      throw new Error("boom");
    };
    await expect(runGuarded(t.db, { session: c.session, ip: IP, guard: opts(), input: { name: "z", n: 1 }, handler: boom })).rejects.toThrow("boom");
    expect(await payeeCount(c.user.id)).toBe(0);
    expect(await auditDetails(c.user.id, "toy")).toEqual([]);
  });

  it("a grant is bound to the action: a transfer grant never serves the toy action and vice versa", async () => {
    const c = await customer();
    const input = { name: "g", n: 500 };
    const asTransfer = await mintGrant(c.session, "transfer", input);
    expectMfaRequired(await runGuarded(t.db, { session: c.session, ip: IP, guard: opts(), input, grantId: asTransfer, handler }));
    const asToy = await mintGrant(c.session, "toy", input);
    expect(await runGuarded(t.db, { session: c.session, ip: IP, guard: opts(), input, grantId: asToy, handler })).toEqual({ status: "ok", message: "made g" });
    expect(await payeeCount(c.user.id)).toBe(1);
  });

  it("the input hash is canonical: key order does not matter, every value does", () => {
    expect(inputHash("toy", { a: 1, b: "x" })).toBe(inputHash("toy", { b: "x", a: 1 }));
    expect(inputHash("toy", { a: 1, b: "x" })).not.toBe(inputHash("toy", { a: 1, b: "y" }));
    expect(inputHash("toy", { a: 1 })).not.toBe(inputHash("other", { a: 1 }));
    expect(inputHash("toy", { a: 1 })).not.toBe(inputHash("toy", { a: "1" }));
    expect(inputHash("toy", { a: [1, 2] })).not.toBe(inputHash("toy", { a: [2, 1] }));
    expect(inputHash("toy", { a: { y: 1, x: 2 } })).toBe(inputHash("toy", { a: { x: 2, y: 1 } }));
  });
});
