import "server-only";
import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/lib/db";

/**
 * Presence before change (Extra Horizon): the session's stamps that say the password and the
 * second step were proven just now (PRESENCE_MINUTES in ./sessions). Each is written in the
 * transaction of the attempt that proved it, so a refused or rolled-back attempt stamps nothing.
 */

/** The password was proven again in this session (the Security page's first presence step). */
export async function markPasswordPresent(tx: DbOrTx, sessionId: string): Promise<void> {
  await tx.execute(sql`UPDATE sessions SET password_verified_at = app_now() WHERE id = ${sessionId}`);
}

/** A second step was proven again in this session (the Security page's second presence step). */
export async function markMfaPresent(tx: DbOrTx, sessionId: string): Promise<void> {
  await tx.execute(sql`UPDATE sessions SET mfa_verified_at = app_now() WHERE id = ${sessionId}`);
}

/** A session without MFA that just proved its first primary factor now counts as having done MFA. */
export async function markSessionMfaVerified(tx: DbOrTx, sessionId: string): Promise<void> {
  await tx.execute(sql`UPDATE sessions SET mfa_state = 'verified', mfa_verified_at = app_now() WHERE id = ${sessionId}`);
}
