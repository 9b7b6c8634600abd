import "server-only";
import { sql } from "drizzle-orm";
import type { Tx } from "@/lib/db";
import { stepUpGrants } from "@/lib/db/schema";
import { getSettings } from "@/lib/settings";

/**
 * A passed step-up challenge becomes a grant bound to its session, action and input hash —
 * the only way a grant comes to exist (the step-up dialog's answer and the redirect provider's
 * callback). Spent or voided by the guard (lib/mfa/step-up-core.ts).
 */
export async function mintGrant(tx: Tx, grant: { sessionId: string; userId: string; action: string; inputHash: string; challengeId: string }): Promise<string> {
  const { mfaTokenLifetimeMinutes } = await getSettings(tx);
  const [row] = await tx
    .insert(stepUpGrants)
    .values({ ...grant, expiresAt: sql`app_now() + ${mfaTokenLifetimeMinutes}::int * interval '1 minute'` })
    .returning({ id: stepUpGrants.id });
  await tx.execute(sql`UPDATE sessions SET mfa_verified_at = app_now() WHERE id = ${grant.sessionId}`);
  return row!.id;
}
