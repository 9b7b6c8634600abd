import "server-only";
import { desc, eq, sql } from "drizzle-orm";
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

/** The demo mailbox's recipients: everyone the app mailed, most recent first. */
export async function outboxRecipients(db: DbOrTx, limit = 200): Promise<{ to: string; n: number; last: Date }[]> {
  return db
    .select({ to: outbox.toAddress, n: sql<number>`count(*)::int`, last: sql<Date>`max(${outbox.createdAt})` })
    .from(outbox)
    .groupBy(outbox.toAddress)
    .orderBy(desc(sql`max(${outbox.createdAt})`))
    .limit(limit);
}

/** The demo mailbox's messages to one address, newest first. */
export async function outboxMailTo(db: DbOrTx, to: string, limit = 50) {
  return db
    .select({ id: outbox.id, subject: outbox.subject, body: outbox.body, createdAt: outbox.createdAt })
    .from(outbox)
    .where(eq(outbox.toAddress, to))
    .orderBy(desc(outbox.createdAt))
    .limit(limit);
}
