import "server-only";
import { and, eq } from "drizzle-orm";
import type { DbOrTx } from "@/lib/db";
import { payees } from "@/lib/db/schema";

/** A new payee of `userId` (in the step-up guard's transaction: the grant, the row and the audit commit together). */
export async function addPayeeOf(tx: DbOrTx, userId: string, payee: { name: string; accountNumber: string }): Promise<void> {
  await tx.insert(payees).values({ userId, name: payee.name, accountNumber: payee.accountNumber });
}

/** Removes one of `userId`'s own payees; false when there is no such payee of theirs (another user's id included). */
export async function removePayeeOf(tx: DbOrTx, userId: string, payeeId: string): Promise<boolean> {
  const removed = await tx
    .delete(payees)
    .where(and(eq(payees.id, payeeId), eq(payees.userId, userId)))
    .returning({ id: payees.id });
  return removed.length === 1;
}
