import "server-only";
import type { DbOrTx } from "@/lib/db";
import { outbox } from "@/lib/db/schema";

/**
 * Mail is written to the outbox in the caller's transaction (so a notice exists exactly when
 * the change does); the mock mailbox shows it, and an SMTP relay sends it when configured.
 */
export async function queueMail(
  tx: DbOrTx,
  mail: { userId: string | null; to: string; subject: string; body: string },
): Promise<void> {
  await tx.insert(outbox).values({ userId: mail.userId, toAddress: mail.to, subject: mail.subject, body: mail.body });
}
