import fs from "node:fs";
import path from "node:path";

/** What e2e/fuzz/hooks.ts hands to the specs (a file in the run folder). */
export const CALLERS_FILE = "fuzz-callers.json";

/**
 * Who sends a request: nobody, a cookie that is not ours, or a real session in one of the
 * app's states — pending (password ok, MFA to do), enrol (must register a factor), reset (a
 * claimed reset link), customer and admin (MFA done).
 */
export const CALLER_KINDS = ["anonymous", "junk-cookie", "pending", "enrol", "reset", "customer", "admin"] as const;
export type CallerKind = (typeof CALLER_KINDS)[number];
export type SessionCaller = Exclude<CallerKind, "anonymous" | "junk-cookie">;

export type FuzzSetup = {
  callers: Partial<Record<SessionCaller, { cookie: string; userId: string; username: string; sessionToken: string }>>;
  /** Strings no response may contain: keys, client secrets, TOTP secrets, passwords, session tokens. */
  secrets: string[];
  /** A bearer token of the mock provider's API (its parsers sit behind the token check). */
  providerToken: string;
};

export function readSetup(): FuzzSetup {
  const dir = process.env.E2E_RUN_DIR;
  const file = dir && path.join(dir, CALLERS_FILE);
  if (!file || !fs.existsSync(file)) throw new Error("No fuzz setup: run the fuzz suite through `npm run test:fuzz`.");
  return JSON.parse(fs.readFileSync(file, "utf8")) as FuzzSetup;
}
