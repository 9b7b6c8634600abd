import { ABSOLUTE_LIFETIME_HOURS } from "./sessions";

/**
 * Why a session ended . Every place that revokes a session passes one of
 * these codes; the row keeps it in `sessions.revoke_reason`, and /login tells the browser that
 * held the session — once (lib/auth/sessions.ts `claimEndNotice`). `idle` and `lifetime` are
 * also written by that claim for a session that simply ran out.
 */
export const SESSION_END_REASONS = [
  "signed_out",
  "idle",
  "lifetime",
  "password_changed",
  "mfa_reset",
  "ended_by_admin",
  "signed_out_everywhere",
  /** Ended from another of the user's own sessions (security centre, "Sign out this session"). */
  "signed_out_elsewhere",
  /** "This wasn't me" in a new-device mail (lib/auth/devices.ts). */
  "reported_not_me",
  "account_locked",
  /** Replaced by its successor at a sign-in step (lib/auth/sessions.ts startSession): not an end. */
  "rotated",
] as const;

export type SessionEndReason = (typeof SESSION_END_REASONS)[number];

/**
 * The one calm sentence a customer reads on /login: what happened and what to do next. No
 * sentence for `rotated` (the browser already holds the successor). Nothing here names who did
 * it or why beyond what the customer's own mail says.
 */
const NOTICES: Record<SessionEndReason, string | null> = {
  signed_out: "You signed out.",
  idle: "You were signed out because you had been inactive for a while. Sign in again to continue.",
  lifetime: `You were signed out because you had been signed in for ${ABSOLUTE_LIFETIME_HOURS} hours. Sign in again to continue.`,
  password_changed: "You were signed out because your password was changed. Sign in with your new password.",
  mfa_reset:
    "You were signed out because the bank reset your two-step verification. Sign in to set it up again.",
  ended_by_admin: "The bank ended your session. Sign in again to continue.",
  signed_out_everywhere: "You were signed out because you chose to sign out on all your devices. Sign in again to continue.",
  signed_out_elsewhere:
    "This browser was signed out from another device where you are signed in. If that wasn't you, sign in and change your password.",
  reported_not_me:
    "You were signed out on every device because a sign-in was reported as not you. Sign in, and you will be asked to choose a new password.",
  // As lib/messages.ts `locked`: the lock's duration is a setting, so the mail says when.
  account_locked:
    "Your account was locked after too many failed attempts, so you were signed out. We sent you an e-mail that says how to unlock it.",
  rotated: null,
};

/** The sentence for a stored reason; null for `rotated` and for anything unknown (an old row). */
export function endNotice(reason: string | null | undefined): string | null {
  return reason && Object.hasOwn(NOTICES, reason) ? NOTICES[reason as SessionEndReason] : null;
}
