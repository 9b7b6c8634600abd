/**
 * What a customer or an administrator reads when something did not go through, decided once.
 * Each says what happened and what to do next. Plain strings with no server-only imports, so
 * server actions, lib/ and client components (components/mfa/step-up-return.ts) share them.
 */
export const MESSAGES = {
  sessionEnded: "Your session has ended. Please sign in again.",
  checkFields: "Please check the highlighted fields.",
  /** Said only where the password (or, for a reset, the mailbox) is already proven: /mfa, the step-up dialog, presence. */
  lockedNow:
    "Too many failed attempts: we have locked your account to protect it, and ended your session. We sent you an e-mail that says how to unlock it.",
  locked: "Your account is locked after too many failed attempts, so this session has ended. Check your e-mail: it says how to unlock it.",
  verificationGone: "This verification has expired or was already used. Please start again.",
  providerUnavailable: "The verification service is unavailable. Choose another method.",
  deniedAtProvider: "The request was denied on the provider's page. Nothing was changed.",
  setUpWithProvider: "This method is set up with the provider, not here.",
  malformedCode: "That does not look like a valid code. Check it and try again.",
  unreadablePasskey: "That passkey answer could not be read. Try again.",
  ownMfaReset: "You cannot reset your own MFA here: ask another administrator, or use npm run mfa:reset on the server.",
} as const;
