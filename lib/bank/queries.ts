import "server-only";
import { and, desc, eq, or, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { fromJsonb, rows, type DbOrTx } from "@/lib/db";
import { accounts, payees, transfers } from "@/lib/db/schema";
import { recoveryCodesLeftAfterUseSql } from "@/lib/mfa/factors/recovery";
import { getSettings } from "@/lib/settings";

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

type AccountRow = Awaited<ReturnType<typeof listAccounts>>[number];
type TransferLine = Awaited<ReturnType<typeof listTransfers>>[number];
type PayeeRow = Awaited<ReturnType<typeof listPayees>>[number];

/** `listAccounts` as one jsonb value, for a page's single read. */
const accountsJson = (userId: string) =>
  sql`(SELECT COALESCE(jsonb_agg(jsonb_build_object('id', a.id, 'name', a.name, 'number', a.number, 'currency', a.currency, 'balanceMinor', a.balance_minor)
                                 ORDER BY a.created_at, a.number), '[]'::jsonb)
         FROM accounts a WHERE a.user_id = ${userId})`;

/** `listTransfers` (all of the user's accounts) as one jsonb value. */
const recentJson = (userId: string, limit: number) =>
  sql`(SELECT COALESCE(jsonb_agg(to_jsonb(l) ORDER BY l."createdAt" DESC), '[]'::jsonb) FROM (
         SELECT t.id, t.amount_minor AS "amountMinor", t.memo, t.created_at AS "createdAt",
                t.from_account_id AS "fromAccountId", f.name AS "fromName", t.to_account_id AS "toAccountId",
                coalesce(d.name, p.name, 'Payee') AS "toName"
           FROM transfers t JOIN accounts f ON f.id = t.from_account_id
           LEFT JOIN accounts d ON d.id = t.to_account_id LEFT JOIN payees p ON p.id = t.payee_id
          WHERE t.user_id = ${userId}
          ORDER BY t.created_at DESC LIMIT ${limit}) l)`;

const json = (v: unknown) => fromJsonb<Record<string, unknown>[]>(v);
const toAccounts = (v: unknown) => json(v).map((a) => ({ ...a, balanceMinor: Number(a.balanceMinor) }) as AccountRow);
const toLines = (v: unknown) =>
  json(v).map((t) => ({ ...t, amountMinor: Number(t.amountMinor), createdAt: new Date(t.createdAt as string) }) as TransferLine);

/**
 * What the dashboard shows, in one statement instead of three: the user's accounts and latest
 * transfers (as `listAccounts` and `listTransfers` read them) and the recovery codes left after
 * a recovery-code sign-in (`recoveryCodesLeftAfterUse`).
 */
export async function dashboardOf(db: DbOrTx, session: { id: string; userId: string }, limit: number) {
  const [r] = await rows<{ accounts: unknown; recent: unknown; codes_left: number | null }>(
    db,
    sql`SELECT ${accountsJson(session.userId)} AS accounts, ${recentJson(session.userId, limit)} AS recent,
               ${recoveryCodesLeftAfterUseSql(session)} AS codes_left`,
  );
  return {
    accounts: toAccounts(r!.accounts),
    recent: toLines(r!.recent),
    codesLeft: r!.codes_left == null ? null : Number(r!.codes_left),
  };
}

/**
 * What the transfer page shows, in one statement instead of four: the user's accounts, payees
 * and latest transfers (as `listAccounts`, `listPayees` and `listTransfers` read them) and the
 * step-up rule's figures from the settings row (`getSettings`, which recreates a missing row).
 */
export async function transferPageOf(db: DbOrTx, userId: string, limit: number) {
  const [r] = await rows<{ accounts: unknown; payees: unknown; recent: unknown; rule: { stepUpAmountMinor: number; blockAmountMinor: number; newPayeeHours: number } | string | null }>(
    db,
    sql`SELECT ${accountsJson(userId)} AS accounts,
               (SELECT COALESCE(jsonb_agg(jsonb_build_object('id', p.id, 'name', p.name, 'number', p.account_number, 'createdAt', p.created_at)
                                          ORDER BY p.name), '[]'::jsonb)
                  FROM payees p WHERE p.user_id = ${userId}) AS payees,
               ${recentJson(userId, limit)} AS recent,
               (SELECT jsonb_build_object('stepUpAmountMinor', s.step_up_amount_minor, 'blockAmountMinor', s.block_amount_minor, 'newPayeeHours', s.new_payee_hours)
                  FROM settings s WHERE s.id = 1) AS rule`,
  );
  const rule = typeof r!.rule === "string" ? JSON.parse(r!.rule) : (r!.rule ?? (await getSettings(db)));
  return {
    accounts: toAccounts(r!.accounts),
    payees: json(r!.payees).map((p) => ({ ...p, createdAt: new Date(p.createdAt as string) }) as PayeeRow),
    recent: toLines(r!.recent),
    rule: {
      stepUpAmountMinor: Number(rule.stepUpAmountMinor),
      blockAmountMinor: Number(rule.blockAmountMinor),
      newPayeeHours: Number(rule.newPayeeHours),
    },
  };
}
