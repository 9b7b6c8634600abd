import "server-only";
import { sql } from "drizzle-orm";
import { rows, type DbOrTx } from "@/lib/db";

/**
 * The demo phone's data (app/mock-provider/device): what the mock provider sent to one of its
 * users, and the push answers given there. Anyone can answer anyone's push on that page, so it
 * exists only where the mock provider does.
 */

export type PendingPush = { id: string; choices: number[]; created_at: string; expires_at: string; address: string };
export type DeliveredMessage = { id: string; capability: string; message: string; status: string; created_at: string; expires_at: string };

/** Everyone enrolled at the mock provider (test users last), for the phone chooser. */
export async function enrolledUniqueNames(db: DbOrTx, limit = 200): Promise<string[]> {
  const list = await rows<{ unique_name: string }>(
    db,
    sql`SELECT unique_name FROM mock_provider_users ORDER BY (unique_name LIKE 'e2e-%'), unique_name LIMIT ${limit}`,
  );
  return list.map((u) => u.unique_name);
}

/** The user's pushes still waiting for an answer, newest first. */
export async function pendingPushesOf(db: DbOrTx, uniqueName: string): Promise<PendingPush[]> {
  return rows<PendingPush>(
    db,
    sql`SELECT t.id, t.choices, t.created_at, t.expires_at, g.address
          FROM mock_provider_transactions t
          JOIN mock_provider_users u ON u.id = t.user_id
          JOIN mock_provider_targets g ON g.id = t.target_id
         WHERE u.unique_name = ${uniqueName} AND t.capability = 'mobile_push' AND t.status = 'PENDING' AND t.expires_at > app_now()
         ORDER BY t.created_at DESC`,
  );
}

/** The codes sent to the user (SMS, voice, e-mail) in the last 15 minutes, newest first. */
export async function recentMessagesOf(db: DbOrTx, uniqueName: string, limit = 10): Promise<DeliveredMessage[]> {
  return rows<DeliveredMessage>(
    db,
    sql`SELECT t.id, t.capability, t.message, t.status, t.created_at, t.expires_at
          FROM mock_provider_transactions t JOIN mock_provider_users u ON u.id = t.user_id
         WHERE u.unique_name = ${uniqueName} AND t.message IS NOT NULL AND t.created_at > app_now() - interval '15 minutes'
         ORDER BY t.created_at DESC LIMIT ${limit}`,
  );
}

/**
 * Answers a pending push: the number picked, or null for Deny. A wrong number is a denial (the
 * person is not looking at the screen that asked). One conditional UPDATE, so a push is answered
 * once; null when it is no longer pending.
 */
export async function answerPendingPush(db: DbOrTx, transactionId: string, picked: number | null): Promise<"SUCCESS" | "FAILED" | null> {
  const updated = await rows<{ status: "SUCCESS" | "FAILED" }>(
    db,
    sql`UPDATE mock_provider_transactions
           SET status = CASE WHEN ${picked}::int = number_to_match THEN 'SUCCESS' ELSE 'FAILED' END,
               completed_at = app_now()
         WHERE id = ${transactionId} AND capability = 'mobile_push' AND status = 'PENDING' AND expires_at > app_now()
         RETURNING status`,
  );
  return updated[0]?.status ?? null;
}
