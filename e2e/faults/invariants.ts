import postgres from "postgres";
import { expect } from "../fixtures";
import type { Attempt } from "./transfers";

/** What must hold after every fault: money and audit rows agree with what the clients were told. */

export type Balances = Map<string, number>;

export async function balancesOf(sql: postgres.Sql, userIds: string[]): Promise<Balances> {
  const rows = await sql<{ id: string; balance: string }[]>`SELECT id, balance_minor::text AS balance FROM accounts WHERE user_id IN ${sql(userIds)}`;
  return new Map(rows.map((r) => [r.id, Number(r.balance)]));
}

/**
 * Money: for every account, balance now − balance before = Σ ledger in − Σ ledger out of the
 * transfers made since (so no transfer row exists without both balance updates, and no
 * balance moved without its row). Attempts: a transfer row and its "transfer ok" audit row
 * exist together or not at all; an attempt answered ok has exactly one of each; an attempt
 * answered with a refusal has none and exactly one "refused" audit row; an attempt the server
 * never acknowledged (outage, SIGKILL) is all or nothing. Idempotency keys are unique.
 */
export async function checkTransferInvariants(sql: postgres.Sql, before: Balances, since: Date, attempts: Attempt[]) {
  const userIds = [...new Set(attempts.map((a) => a.userId))];
  const after = await balancesOf(sql, userIds);
  const ledger = await sql<{ from_account_id: string; to_account_id: string | null; amount: string; key: string | null }[]>`
    SELECT from_account_id, to_account_id, amount_minor::text AS amount, idempotency_key AS key
      FROM transfers WHERE user_id IN ${sql(userIds)} AND created_at >= ${since}`;
  const expected = new Map(before);
  for (const t of ledger) {
    expected.set(t.from_account_id, expected.get(t.from_account_id)! - Number(t.amount));
    if (t.to_account_id) expected.set(t.to_account_id, expected.get(t.to_account_id)! + Number(t.amount));
  }
  expect(Object.fromEntries(after), "Δ balances = Σ ledger, per account").toEqual(Object.fromEntries(expected));

  const audits = await sql<{ amount: string; outcome: string; n: number }[]>`
    SELECT details->>'amountMinor' AS amount, outcome, count(*)::int AS n FROM audit_events
     WHERE action = 'transfer' AND subject_user_id IN ${sql(userIds)} AND at >= ${since}
     GROUP BY 1, 2`;
  const auditCount = (amount: number, outcome: string) => audits.find((a) => Number(a.amount) === amount && a.outcome === outcome)?.n ?? 0;
  const rowsByKey = new Map<string, number>();
  for (const t of ledger) if (t.key) rowsByKey.set(t.key, (rowsByKey.get(t.key) ?? 0) + 1);

  const tally: Record<string, number> = {};
  const byAmount = new Map<number, Attempt[]>();
  for (const a of attempts) byAmount.set(a.amountMinor, [...(byAmount.get(a.amountMinor) ?? []), a]);
  for (const [amount, tries] of byAmount) {
    // One intended transfer: one key, maybe retried with the same key after an outage.
    expect(new Set(tries.map((t) => t.key)).size, `amount ${amount}: one key`).toBe(1);
    const applied = rowsByKey.get(tries[0]!.key) ?? 0;
    const answers = tries.map((t) => t.answer?.outcome ?? "no_answer");
    for (const o of answers) tally[o] = (tally[o] ?? 0) + 1;
    const what = `transfer of ${amount} cents answered ${answers.join(", ")}: ${tries.map((t) => `${t.answer?.status} ${t.answer?.body.slice(0, 160)}`).join(" | ")}`;
    expect(applied, `${what}: at most one ledger row`).toBeLessThanOrEqual(1);
    expect(auditCount(amount, "ok"), `${what}: ledger row and "ok" audit row together`).toBe(applied);
    if (answers.includes("ok")) expect(applied, what).toBe(1);
    // Each refusal acknowledged to the client left exactly one audit row; nothing else did.
    expect(auditCount(amount, "refused"), `${what}: one "refused" audit row per refusal`).toBe(answers.filter((o) => o === "refused").length);
    for (const o of answers) expect(["ok", "refused", "unavailable", "no_answer"], what).toContain(o);
  }
  return { tally, applied: ledger.length };
}
