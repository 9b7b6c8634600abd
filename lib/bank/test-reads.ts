import { sql } from "drizzle-orm";
import type { TestDb } from "@/lib/db/test-db";

/** What the money tests read back from the database after a run: a balance, and what left an account. */
export async function balanceOf(t: TestDb, accountId: string): Promise<number> {
  const [a] = await t.query<{ b: string | number }>(sql`SELECT balance_minor AS b FROM accounts WHERE id = ${accountId}`);
  return Number(a!.b);
}

export async function ledgerFrom(t: TestDb, accountId: string): Promise<{ n: number; sum: number }> {
  const [r] = await t.query<{ n: number; sum: string | number }>(
    sql`SELECT count(*)::int AS n, COALESCE(sum(amount_minor), 0) AS sum FROM transfers WHERE from_account_id = ${accountId}`,
  );
  return { n: r!.n, sum: Number(r!.sum) };
}
