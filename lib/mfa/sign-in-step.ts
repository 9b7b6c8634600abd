import "server-only";
import type { DbOrTx } from "@/lib/db";
import type { Challenge } from "@/lib/db/schema";
import { recoveryFactor } from "./factors/recovery";
import type { FactorUser } from "./factors/types";
import { offeredFactors, verifyOffers, type SnapshotRead } from "./registry";

/** What the second step of a sign-in (or a password reset) shows: the /mfa page and the login form's in-place step. */
export type SignInStepProps = {
  purpose: "sign_in" | "password_reset";
  username: string;
  challengeId: string;
  factors: Awaited<ReturnType<typeof verifyOffers>>;
  unavailableNotice?: string;
  hasRecoveryCodes: boolean;
  callbackUrl: string;
  /** "Don't ask for a code on this browser for N days": the group's N, 0 when off. */
  rememberDays: number;
};

/**
 * One read of the user's factors for the step (lib/mfa/registry.ts `offeredFactors`) — or none,
 * when the password step's user read brought it (`read`) — the methods that cannot be used now
 * named in words, and each factor's data for this challenge.
 */
export async function signInStep(
  db: DbOrTx,
  user: FactorUser,
  challenge: Challenge,
  callbackUrl: string,
  read?: SnapshotRead,
): Promise<SignInStepProps> {
  const purpose = challenge.purpose === "password_reset" ? "password_reset" : "sign_in";
  const { usable, unavailable, phishingResistantOnly, rememberDeviceDays } = await offeredFactors(db, user, purpose, read);
  const hasRecoveryCodes = usable.some((f) => f.id === recoveryFactor.id);
  // The group accepts only passkeys for sign-in, and this account has none: say so, and the way out.
  const unavailableNotice = phishingResistantOnly && !usable.length
    ? "Your bank asks for a passkey to sign in, and your account has none yet. Ask the bank to reset your two-step verification below; you will then add a passkey."
    : unavailable.length
    ? `${[...new Set(unavailable.map((f) => f.name))].join(", ")}: this method is unavailable at the moment. ` +
      (hasRecoveryCodes ? "Use a recovery code, or ask the bank to reset your two-step verification below." : "Ask the bank to reset your two-step verification below.")
    : undefined;
  return {
    purpose,
    username: user.username,
    challengeId: challenge.id,
    factors: await verifyOffers(db, user, usable, challenge),
    unavailableNotice,
    hasRecoveryCodes,
    callbackUrl,
    rememberDays: rememberDeviceDays,
  };
}
