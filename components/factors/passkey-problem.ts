/**
 * What the browser said about a passkey ceremony, in words a customer can act on. No import of
 * @simplewebauthn/browser here: /login loads that library only when a ceremony starts, so its
 * errors are recognised by their `code` (WebAuthnError) and `name` (DOMException).
 */
export function ceremonyProblem(err: unknown, kind: "register" | "verify" | "sign_in"): string {
  const name = err instanceof Error ? err.name : "";
  const code = typeof (err as { code?: unknown } | null)?.code === "string" ? (err as { code: string }).code : "";
  if (code === "ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED") return "This device already holds a passkey for your account.";
  if (name === "NotAllowedError" || code === "ERROR_CEREMONY_ABORTED") {
    if (kind === "register") return "The passkey was not created: it was cancelled or timed out. Try again.";
    if (kind === "sign_in") {
      return "No passkey was used: it was cancelled or timed out. If you haven't added a passkey yet, sign in with your password and add one on the Security page.";
    }
    return "The passkey check was cancelled or timed out. Try again.";
  }
  if (name === "SecurityError" || code === "ERROR_INVALID_DOMAIN" || code === "ERROR_INVALID_RP_ID") {
    return "Passkeys can't be used on this address. Open the bank at its usual web address.";
  }
  if (typeof window !== "undefined" && !window.PublicKeyCredential) {
    return kind === "sign_in" ? "This browser does not support passkeys. Sign in with your password." : "This browser does not support passkeys. Choose another method.";
  }
  return kind === "sign_in"
    ? "Your device could not complete the passkey check. Try again, or sign in with your password."
    : "Your device could not complete the passkey check. Try again, or choose another method.";
}
