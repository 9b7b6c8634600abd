import { generate, generateSecret, generateURI, verify } from "otplib";

/**
 * RFC 6238 TOTP through otplib: SHA-1, 6 digits, 30-second steps — what Google Authenticator,
 * oathtool and every RFC 6238 tool use. We accept exactly the previous, current and next step
 * (±30 s of clock drift), and never a step at or before the last one accepted (replay).
 */
export const TOTP_ISSUER = "MFA Bank";
export const TOTP_PERIOD = 30;
const TOLERANCE_SECONDS = TOTP_PERIOD; // one step either side

/** 20 random bytes = 160 bits (RFC 4226's recommended length), base32: 32 characters. */
export function newTotpSecret(): string {
  return generateSecret({ length: 20 });
}

export function totpUri(username: string, secret: string): string {
  return generateURI({ issuer: TOTP_ISSUER, label: username, secret });
}

/** Six ASCII digits and nothing else: full-width digits, spaces and 5/7 digits are refused. */
export function isWellFormedCode(code: unknown): code is string {
  return typeof code === "string" && /^[0-9]{6}$/.test(code);
}

export type TotpCheck = { ok: true; step: number } | { ok: false; reason: "malformed" | "wrong code" | "replayed" };

/**
 * Checks a code at `epochSeconds` (the database clock, so every app instance agrees).
 * `afterStep` is the last accepted step: it and anything before it are refused.
 */
export async function checkTotp(
  secret: string,
  code: unknown,
  epochSeconds: number,
  afterStep?: number | null,
): Promise<TotpCheck> {
  if (!isWellFormedCode(code)) return { ok: false, reason: "malformed" };
  try {
    const r = await verify({ secret, token: code, epoch: epochSeconds, epochTolerance: TOLERANCE_SECONDS });
    if (!r.valid || !("timeStep" in r)) return { ok: false, reason: "wrong code" };
    if (afterStep != null && r.timeStep <= afterStep) return { ok: false, reason: "replayed" };
    return { ok: true, step: r.timeStep };
  } catch {
    return { ok: false, reason: "malformed" };
  }
}

/** For the seed, tests and the demo: the code a device would show now. */
export function totpCode(secret: string, epochSeconds = Math.floor(Date.now() / 1000)): Promise<string> {
  return generate({ secret, epoch: epochSeconds });
}
