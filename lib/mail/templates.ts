/**
 * Every mail the bank sends, in one place: one greeting, one sign-off, one voice. Each template
 * takes what it names and returns the subject and the plain-text body; `queueMail`
 * (lib/mail/outbox.ts) writes it in the caller's transaction.
 */
export type Mail = { subject: string; body: string };

/** "Hello <username>," — the paragraphs — "MFA Bank". Paragraphs are separated by a blank line. */
function letter(username: string, subject: string, ...paragraphs: string[]): Mail {
  return { subject, body: [`Hello ${username},`, ...paragraphs, "MFA Bank"].join("\n\n") };
}

const CALL_THE_BANK = "If this was not you, contact the bank immediately.";

export const mails = {
  /** Admin or CLI MFA reset (lib/admin/reset.ts): every second-step method is gone, whatever it was. */
  mfaReset: (username: string) =>
    letter(
      username,
      "Your MFA Bank two-step verification was reset",
      "A bank administrator reset the two-step verification of your account: every second step you had set up " +
        "(authenticator apps, passkeys, phone or e-mail codes and recovery codes) no longer works, and you were signed out everywhere.",
      "The next time you sign in, you will set up a second step again before you can do anything else.",
      "If you did not ask for this, call the bank immediately.",
    ),

  newDevice: (username: string, d: { device: string; ip: string | null; at: string; days: number; notMeUrl: string }) =>
    letter(
      username,
      "New sign-in to your MFA Bank account",
      "Your account was just signed in to from a browser we have not seen before:",
      `  Device: ${d.device}\n  IP address: ${d.ip ?? "unknown"}\n  Time: ${d.at} UTC`,
      "If this was you, there is nothing to do.",
      `If this wasn't you, open this link within ${d.days} days and press the button on the page. It signs your ` +
        "account out everywhere, and you will choose a new password at your next sign-in:",
      d.notMeUrl,
    ),

  signedOutEverywhere: (username: string, sessionsEnded: number) =>
    letter(
      username,
      "We signed your MFA Bank account out everywhere",
      `You told us a sign-in was not you, so we signed your account out on every device ` +
        `(${sessionsEnded} session${sessionsEnded === 1 ? "" : "s"}). The next time you sign in, you will be asked to choose a new password ` +
        "before anything else. If you think someone knows your password and your second step, call the bank.",
    ),

  passwordResetLink: (username: string, link: string, minutes: number) =>
    letter(
      username,
      "Reset your MFA Bank password",
      `Someone (hopefully you) asked to reset your password. Open this link within ${minutes} minutes:`,
      link,
      "If you have two-step verification, you will be asked for it before choosing a new password. " +
        "If this was not you, ignore this mail: your password stays as it is.",
    ),

  passwordChanged: (username: string) =>
    letter(username, "Your MFA Bank password was changed", "Your password was just changed and every session was signed out. If this was not you, contact the bank immediately."),

  unlocked: (username: string) =>
    letter(
      username,
      "Your MFA Bank account was unlocked",
      "Your account was unlocked just now with the link from our lock mail. You can sign in again with your password and your second step.",
      "If you did not do this, call the bank and change your password.",
    ),

  /** `what`: how this account gets unlocked (a link, a wait, or another administrator). */
  locked: (username: string, threshold: number, what: string) =>
    letter(
      username,
      "Your MFA Bank account was locked",
      `After ${threshold} failed sign-in or verification attempts in a row, we locked your account to protect it. ${what}`,
      "If these attempts were not yours, someone may know your password: change it as soon as your account is unlocked.",
    ),

  recoveryCodeUsed: (username: string, remaining: number) =>
    letter(
      username,
      "A recovery code was used on your MFA Bank account",
      `One of your recovery codes was just used to verify your identity. ${remaining} unused code${remaining === 1 ? "" : "s"} remain${remaining === 1 ? "s" : ""}. ${CALL_THE_BANK}`,
    ),

  passkeyCounterRegressed: (username: string) =>
    letter(
      username,
      "We refused a passkey on your MFA Bank account",
      "One of your passkeys answered with a signature counter lower than before, which can mean the passkey was copied. " +
        "We refused it. Remove it on the Security page, and contact the bank if you did not copy it yourself.",
    ),

  recoveryRequestReceived: (username: string) =>
    letter(
      username,
      "We received your request to reset two-step verification",
      "You told us you lost access to your second step and asked the bank to reset it. A bank administrator will look at " +
        "your request and may call you to check it is really you. We will e-mail you when it is decided.",
      "If this was not you, someone knows your password: call the bank and change it.",
    ),

  recoveryRequestDeclined: (username: string, reason: string) =>
    letter(
      username,
      "Your request to reset two-step verification was declined",
      "The bank looked at your request to reset your two-step verification and declined it:",
      reason,
      "Your account is unchanged. If you still cannot sign in, call the bank.",
    ),

  factorAdded: (username: string, factorName: string) =>
    letter(username, "A sign-in method was added to your MFA Bank account", `${factorName} was added to your account. ${CALL_THE_BANK}`),

  /** Recovery codes made again: the old set stops working. `title`: the factor's plural title. */
  factorRenewed: (username: string, title: string) =>
    letter(username, `${title} were renewed on your MFA Bank account`, `New ${title.toLowerCase()} were created; the old ones no longer work. ${CALL_THE_BANK}`),

  factorRemoved: (username: string, factorName: string, label: string) =>
    letter(username, "A sign-in method was removed from your MFA Bank account", `${factorName} "${label}" was removed from your account. ${CALL_THE_BANK}`),
};
