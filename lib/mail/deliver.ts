import "server-only";
import { sql } from "drizzle-orm";
import nodemailer from "nodemailer";
import { getDb, rows } from "@/lib/db";
import { getEnv } from "@/lib/env";

/**
 * SMTP delivery of the outbox, when SMTP_URL is set. Rows are claimed with SKIP LOCKED, so
 * several app instances never send one mail twice; a failed send is retried on the next tick.
 */
export async function deliverOutbox(limit = 20): Promise<number> {
  const env = getEnv();
  if (!env.smtpUrl) return 0;
  const transport = nodemailer.createTransport(env.smtpUrl);
  const db = await getDb();
  return db.transaction(async (tx) => {
    const batch = await rows<{ id: string; to_address: string; subject: string; body: string }>(
      tx,
      sql`SELECT id, to_address, subject, body FROM outbox WHERE sent_at IS NULL
           ORDER BY created_at LIMIT ${limit} FOR UPDATE SKIP LOCKED`,
    );
    let sent = 0;
    for (const m of batch) {
      try {
        await transport.sendMail({ from: env.mailFrom, to: m.to_address, subject: m.subject, text: m.body });
        await tx.execute(sql`UPDATE outbox SET sent_at = app_now() WHERE id = ${m.id}`);
        sent++;
      } catch (err) {
        console.error("[mail] SMTP delivery failed:", err instanceof Error ? err.message : err);
        break;
      }
    }
    return sent;
  });
}
