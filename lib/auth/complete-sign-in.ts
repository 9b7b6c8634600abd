import "server-only";
import type { Tx } from "@/lib/db";
import type { CurrentSession } from "./current";
import { noteSignInDevice } from "./devices";
import { startSession } from "./sessions";

/**
 * MFA done for this sign-in: the rotated, verified successor session, started in its final
 * state in the attempt's transaction, with the completed sign-in recorded in the same statement;
 * and the new-device check (lib/auth/devices.ts). Shared by the /mfa answer and the redirect
 * provider's callback (app/(auth)/mfa/redirect/callback).
 */
export async function completeSignIn(tx: Tx, session: CurrentSession, client: { ip: string | null; userAgent: string | null }): Promise<string> {
  await noteSignInDevice(tx, session.userId);
  const { token } = await startSession(tx, {
    userId: session.userId,
    mfaState: "verified",
    rotatedFrom: session.id,
    mfaVerified: true,
    signedIn: true,
    ...client,
  });
  return token;
}
