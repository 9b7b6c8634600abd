import "server-only";
import { and, desc, eq, or, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { DbOrTx } from "@/lib/db";
import { accounts, payees, transfers } from "@/lib/db/schema";

/** Every read takes the user id and filters by it: an id from the URL never reaches another user's row. */

export async function listAccounts(db: DbOrTx, userId: string) {
  return db
    .select({ id: accounts.id, name: accounts.name, number: accounts.number, currency: accounts.currency, balanceMinor: accounts.balanceMinor })
    .from(accounts)
    .where(eq(accounts.userId, userId))
    .orderBy(accounts.createdAt, accounts.number);
}

export async function getAccount(db: DbOrTx, userId: string, accountId: string) {
  const [row] = await db
    .select({ id: accounts.id, name: accounts.name, number: accounts.number, currency: accounts.currency, balanceMinor: accounts.balanceMinor })
    .from(accounts)
    .where(and(eq(accounts.id, accountId), eq(accounts.userId, userId)));
  return row ?? null;
}

const toAccount = alias(accounts, "to_account");
const fromAccount = alias(accounts, "from_account");

/** Ledger lines seen from the user's side: money out of, or into, one of their accounts. */
export async function listTransfers(db: DbOrTx, userId: string, opts: { accountId?: string; limit?: number } = {}) {
  const mine = opts.accountId
    ? or(eq(transfers.fromAccountId, opts.accountId), eq(transfers.toAccountId, opts.accountId))
    : undefined;
  return db
    .select({
      id: transfers.id,
      amountMinor: transfers.amountMinor,
      memo: transfers.memo,
      createdAt: transfers.createdAt,
      fromAccountId: transfers.fromAccountId,
      fromName: fromAccount.name,
      toAccountId: transfers.toAccountId,
      toName: sql<string>`coalesce(${toAccount.name}, ${payees.name}, 'Payee')`,
    })
    .from(transfers)
    .innerJoin(fromAccount, eq(fromAccount.id, transfers.fromAccountId))
    .leftJoin(toAccount, eq(toAccount.id, transfers.toAccountId))
    .leftJoin(payees, eq(payees.id, transfers.payeeId))
    .where(and(eq(transfers.userId, userId), mine))
    .orderBy(desc(transfers.createdAt))
    .limit(opts.limit ?? 10);
}

export async function listPayees(db: DbOrTx, userId: string) {
  return db
    .select({ id: payees.id, name: payees.name, number: payees.accountNumber, createdAt: payees.createdAt })
    .from(payees)
    .where(eq(payees.userId, userId))
    .orderBy(payees.name);
}
