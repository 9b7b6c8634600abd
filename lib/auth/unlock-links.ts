import "server-only";
import { sql } from "drizzle-orm";
import type { Tx } from "@/lib/db";
import { randomToken, sha256 } from "@/lib/crypto";
import { unlockLinks } from "@/lib/db/schema";
import { getEnv } from "@/lib/env";

export const UNLOCK_LINK_MINUTES = 60;

/**
 * Mints the self-unlock link for a lock mail, in the transaction that locks the account (the
 * caller holds the user's row lock): 256 random bits, only the SHA-256 stored, one hour, and
 * any older unused link of the user is voided. Returns the URL to mail.
 */
export async function issueUnlockLink(tx: Tx, userId: string): Promise<string> {
  const token = randomToken(32);
  await tx.execute(
    sql`UPDATE unlock_links SET voided_at = app_now() WHERE user_id = ${userId} AND used_at IS NULL AND voided_at IS NULL`,
  );
  await tx.insert(unlockLinks).values({
    userId,
    tokenHash: sha256(token),
    expiresAt: sql`app_now() + ${UNLOCK_LINK_MINUTES}::int * interval '1 minute'`,
  });
  // The origin comes from configuration, never from the request's Host header.
  return `${getEnv().appUrl}/unlock?token=${token}`;
}
