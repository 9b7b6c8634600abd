import "server-only";
import type { Tx } from "@/lib/db";
import type { SuccessWrites } from "@/lib/mfa/verify";
import type { CurrentSession } from "./current";
import { settleSignInDevice, signInBrowser, touchKnownDevice } from "./devices";
import { sql } from "drizzle-orm";
import { startSession, type SessionRow } from "./sessions";

/**
 * MFA done for this sign-in: the rotated, verified successor session, started in its final
 * state in the attempt's transaction, with the completed sign-in, the known-device check
 * (lib/auth/devices.ts) and — when given — the challenge's consumption, the attempt's audit
 * row and its gate (the row lock and TOTP's step claim: nothing is written unless it admits,
 * lib/mfa/lockout.ts) in the same statement; a browser new to the user is then recorded and
 * mailed in the same transaction. Shared by the
 * /mfa answer and the redirect provider's callback (app/(auth)/mfa/redirect/callback).
 */
export async function completeSignIn(
  tx: Tx,
  session: CurrentSession,
  client: { ip: string | null; userAgent: string | null },
  /** The answer's success audit row, challenge consumption and gate, carried by the session's statement. */
  pending?: SuccessWrites,
): Promise<{ token: string; session: SessionRow }> {
  const browser = await signInBrowser();
  const started = await startSession(tx, {
    userId: session.userId,
    mfaState: "verified",
    rotatedFrom: session.id,
    mfaVerified: true,
    signedIn: true,
    ...client,
    audit: pending?.audit,
    consume: pending?.consume,
    gate: pending?.gate,
    knownDevice: browser && touchKnownDevice(session.userId, browser.client, sql`EXISTS (SELECT 1 FROM created)`),
  });
  await settleSignInDevice(tx, session.userId, browser, started.deviceSeen);
  return { token: started.token, session: started.session };
}
