import "server-only";
import { and, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { ActionState } from "@/lib/actions/state";
import { rows, type Tx } from "@/lib/db";
import { accounts, payees, transfers } from "@/lib/db/schema";
import { Refusal, type RiskDecision, type StepUpContext } from "@/lib/mfa/step-up-core";
import { amountSchema, formatMinor, maskAccount } from "./money";

export type TransferInput = { from: string; to: string; amount: number; memo: string; idempotencyKey: string };

type Destination = { kind: "account"; id: string } | { kind: "payee"; id: string };

export function parseDestination(to: string): Destination | null {
  const m = /^(account|payee):([0-9a-f-]{36})$/.exec(to);
  return m ? { kind: m[1] as "account" | "payee", id: m[2]! } : null;
}

async function destinationLabel(tx: Tx, userId: string, to: string): Promise<{ label: string; payeeCreatedHoursAgo?: number } | null> {
  const dest = parseDestination(to);
  if (!dest) return null;
  if (dest.kind === "account") {
    const [a] = await tx
      .select({ name: accounts.name, number: accounts.number })
      .from(accounts)
      .where(and(eq(accounts.id, dest.id), eq(accounts.userId, userId)));
    return a ? { label: `${a.name} ${maskAccount(a.number)}` } : null;
  }
  const [p] = await rows<{ name: string; account_number: string; hours: number }>(
    tx,
    sql`SELECT name, account_number, EXTRACT(EPOCH FROM (app_now() - created_at)) / 3600 AS hours
          FROM payees WHERE id = ${dest.id} AND user_id = ${userId}`,
  );
  return p ? { label: `${p.name} ${maskAccount(p.account_number)}`, payeeCreatedHoursAgo: Number(p.hours) } : null;
}

/** Event-driven validation, from settings: block above the limit; MFA above the threshold or to a new payee. */
export async function transferRisk(input: TransferInput, { tx, session, settings }: StepUpContext): Promise<RiskDecision> {
  if (input.amount > settings.blockAmountMinor) {
    return {
      decision: "block",
      message: `Transfers over ${formatMinor(settings.blockAmountMinor)} cannot be made online. Please call the bank.`,
    };
  }
  if (input.amount > settings.stepUpAmountMinor) return { decision: "mfa", reason: `amount over ${formatMinor(settings.stepUpAmountMinor)}` };
  const dest = await destinationLabel(tx, session.userId, input.to);
  if (dest?.payeeCreatedHoursAgo !== undefined && dest.payeeCreatedHoursAgo < settings.newPayeeHours) {
    return { decision: "mfa", reason: `payee added in the last ${settings.newPayeeHours} h` };
  }
  return { decision: "allow" };
}

export async function describeTransfer(input: TransferInput, { tx, session }: StepUpContext): Promise<string> {
  const dest = await destinationLabel(tx, session.userId, input.to);
  return `Transfer ${formatMinor(input.amount)} to ${dest?.label ?? "an unknown recipient"}`;
}

/**
 * Moves money in the caller's transaction. Both accounts are locked in id order (no
 * deadlock between opposite transfers); the balance check happens under the lock; the ledger
 * row and both balances change together. A repeated idempotency key moves nothing.
 */
export async function executeTransfer(tx: Tx, userId: string, input: TransferInput): Promise<{ toLabel: string }> {
  const dest = parseDestination(input.to);
  if (!dest) throw new Refusal("Choose where the money goes.", { to: ["Choose where the money goes."] });
  if (dest.kind === "account" && dest.id === input.from) {
    throw new Refusal("Choose a different account to send to.", { to: ["Choose a different account to send to."] });
  }
  const ids = dest.kind === "account" ? [input.from, dest.id].sort() : [input.from];
  const locked = await rows<{ id: string; name: string; number: string; balance_minor: number }>(
    tx,
    sql`SELECT id, name, number, balance_minor FROM accounts
         WHERE user_id = ${userId} AND id IN (${sql.join(ids.map((id) => sql`${id}`), sql`, `)})
         ORDER BY id FOR UPDATE`,
  );
  const from = locked.find((a) => a.id === input.from);
  if (!from) throw new Refusal("Choose one of your accounts to send from.", { from: ["Choose one of your accounts."] });
  let toLabel: string;
  if (dest.kind === "account") {
    const to = locked.find((a) => a.id === dest.id);
    if (!to) throw new Refusal("Choose one of your accounts or payees.", { to: ["Choose one of your accounts or payees."] });
    toLabel = to.name;
  } else {
    const [p] = await tx.select({ name: payees.name }).from(payees).where(and(eq(payees.id, dest.id), eq(payees.userId, userId)));
    if (!p) throw new Refusal("Choose one of your accounts or payees.", { to: ["Choose one of your accounts or payees."] });
    toLabel = p.name;
  }
  if (Number(from.balance_minor) < input.amount) {
    throw new Refusal(`Not enough money in ${from.name}: ${formatMinor(Number(from.balance_minor))} available.`, {
      amount: ["More than the available balance."],
    });
  }
  const inserted = await tx
    .insert(transfers)
    .values({
      userId,
      fromAccountId: from.id,
      toAccountId: dest.kind === "account" ? dest.id : null,
      payeeId: dest.kind === "payee" ? dest.id : null,
      amountMinor: input.amount,
      memo: input.memo,
      idempotencyKey: input.idempotencyKey,
    })
    .onConflictDoNothing()
    .returning({ id: transfers.id });
  if (inserted.length === 0) throw new Refusal("This transfer was already made. Refresh to see it in your history.");
  await tx.execute(sql`UPDATE accounts SET balance_minor = balance_minor - ${input.amount} WHERE id = ${from.id}`);
  if (dest.kind === "account") {
    await tx.execute(sql`UPDATE accounts SET balance_minor = balance_minor + ${input.amount} WHERE id = ${dest.id}`);
  }
  return { toLabel };
}

export const transferSchema = z.object({
  from: z.uuid("Choose one of your accounts to send from."),
  to: z.string().regex(/^(account|payee):[0-9a-f-]{36}$/, "Choose where the money goes."),
  amount: amountSchema,
  memo: z.string().trim().max(140, "At most 140 characters.").default(""),
  idempotencyKey: z.uuid(),
});

/** The step-up guard's declaration for transfers (app/(bank)/transfer/actions.ts uses it). */
export const transferGuard = {
  action: "transfer",
  schema: transferSchema,
  risk: transferRisk,
  describe: describeTransfer,
  auditDetails: (i: z.infer<typeof transferSchema>) => ({ amountMinor: i.amount, from: i.from, to: i.to }),
};

export async function transferHandler(input: TransferInput, { tx, session }: StepUpContext): Promise<ActionState> {
  const { toLabel } = await executeTransfer(tx, session.userId, input);
  return { status: "ok", message: `Sent ${formatMinor(input.amount)} to ${toLabel}.` };
}
