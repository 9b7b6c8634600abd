import "server-only";
import { z } from "zod";

/**
 * NIST SP 800-63B §3.1.1.2: at least 12 characters here (a bank's choice above the minimum
 * of 8), at least 64 allowed, any characters, refused when it is a known common password or
 * the username. No composition rules, no forced rotation.
 */
export const MIN_PASSWORD = 12;
export const MAX_PASSWORD = 256;

let common: Promise<Set<string>> | undefined;

/** ~49k common passwords from a maintained list (@zxcvbn-ts/language-common), loaded on first use. */
function commonPasswords(): Promise<Set<string>> {
  common ??= import("@zxcvbn-ts/language-common").then(
    (m) => new Set((m.dictionary["passwords-common"] as string[]).map((p) => p.toLowerCase())),
  );
  return common;
}

export async function newPasswordProblem(password: string, username: string): Promise<string | null> {
  const length = [...password].length; // code points, not UTF-16 units
  if (length < MIN_PASSWORD) return `Use at least ${MIN_PASSWORD} characters.`;
  if (length > MAX_PASSWORD) return `Use at most ${MAX_PASSWORD} characters.`;
  const folded = password.normalize("NFKC").toLowerCase();
  if (folded === username.toLowerCase()) return "Your password cannot be your username.";
  if ((await commonPasswords()).has(folded)) return "This password is too common. Choose one that is harder to guess.";
  return null;
}

export const newPasswordFields = {
  newPassword: z.string({ error: "Enter a new password." }).max(1024, `Use at most ${MAX_PASSWORD} characters.`),
  confirmPassword: z.string({ error: "Repeat the new password." }).max(1024),
};
