import "server-only";
import { and, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { ActionState } from "@/lib/actions/state";
import { auditInsert, type PendingAudit } from "@/lib/audit";
import { rows, type Tx } from "@/lib/db";
import { accounts } from "@/lib/db/schema";
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
  // Only a payee can be new; an own account needs no read here (the transfer locks it anyway).
  if (parseDestination(input.to)?.kind !== "payee") return { decision: "allow" };
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
 * Moves money in the caller's transaction, in two statements. First both accounts are locked
 * in id order (no deadlock between opposite transfers), with the payee's name when the money
 * goes to a payee; the balance check happens under that lock. Then one statement writes the
 * ledger row, both balances and — when the guard hands it over (`audited`) — the action's audit
 * row: each of its parts only if the ledger row was inserted, so a repeated idempotency key
 * moves nothing and records nothing (and the caller's transaction rolls back on the Refusal).
 */
export async function executeTransfer(tx: Tx, userId: string, input: TransferInput, audited?: PendingAudit): Promise<{ toLabel: string }> {
  const dest = parseDestination(input.to);
  if (!dest) throw new Refusal("Choose where the money goes.", { to: ["Choose where the money goes."] });
  if (dest.kind === "account" && dest.id === input.from) {
    throw new Refusal("Choose a different account to send to.", { to: ["Choose a different account to send to."] });
  }
  const ids = dest.kind === "account" ? [input.from, dest.id].sort() : [input.from];
  const payeeId = dest.kind === "payee" ? dest.id : null;
  const locked = await rows<{ id: string; name: string; number: string; balance_minor: number; payee_name: string | null }>(
    tx,
    sql`SELECT id, name, number, balance_minor,
               (SELECT p.name FROM payees p WHERE p.id = ${payeeId}::uuid AND p.user_id = ${userId}) AS payee_name
          FROM accounts
         WHERE user_id = ${userId} AND id IN (${sql.join(ids.map((id) => sql`${id}`), sql`, `)})
         ORDER BY id FOR UPDATE OF accounts`,
  );
  const from = locked.find((a) => a.id === input.from);
  if (!from) throw new Refusal("Choose one of your accounts to send from.", { from: ["Choose one of your accounts."] });
  let toLabel: string;
  if (dest.kind === "account") {
    const to = locked.find((a) => a.id === dest.id);
    if (!to) throw new Refusal("Choose one of your accounts or payees.", { to: ["Choose one of your accounts or payees."] });
    toLabel = to.name;
  } else {
    if (from.payee_name == null) throw new Refusal("Choose one of your accounts or payees.", { to: ["Choose one of your accounts or payees."] });
    toLabel = from.payee_name;
  }
  if (Number(from.balance_minor) < input.amount) {
    throw new Refusal(`Not enough money in ${from.name}: ${formatMinor(Number(from.balance_minor))} available.`, {
      amount: ["More than the available balance."],
    });
  }
  const toAccountId = dest.kind === "account" ? dest.id : null;
  const carried = audited && !audited.written ? audited : null;
  // The accounts are locked by this transaction, so the statement's snapshot holds their latest balances.
  const [moved] = await rows<{ id: string | null }>(
    tx,
    sql`WITH inserted AS (
          INSERT INTO transfers (user_id, from_account_id, to_account_id, payee_id, amount_minor, memo, idempotency_key)
          VALUES (${userId}, ${from.id}, ${toAccountId}::uuid, ${payeeId}::uuid, ${input.amount}, ${input.memo}, ${input.idempotencyKey})
          ON CONFLICT DO NOTHING
          RETURNING id
        ), debited AS (
          UPDATE accounts SET balance_minor = balance_minor - ${input.amount}
           WHERE id = ${from.id} AND EXISTS (SELECT 1 FROM inserted)
        ), credited AS (
          UPDATE accounts SET balance_minor = balance_minor + ${input.amount}
           WHERE id = ${toAccountId}::uuid AND EXISTS (SELECT 1 FROM inserted)
        )${carried ? sql`, audited AS (${auditInsert(carried.event, sql`EXISTS (SELECT 1 FROM inserted)`)})` : sql``}
        SELECT (SELECT id FROM inserted) AS id`,
  );
  if (!moved?.id) throw new Refusal("This transfer was already made. Refresh to see it in your history.");
  if (carried) carried.written = true;
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

/** The transfer, with the guard's audit row for it carried by the statement that moves the money. */
export async function transferHandler(input: TransferInput, { tx, session, audited }: StepUpContext): Promise<ActionState> {
  const { toLabel } = await executeTransfer(tx, session.userId, input, audited);
  return { status: "ok", message: `Sent ${formatMinor(input.amount)} to ${toLabel}.` };
}
