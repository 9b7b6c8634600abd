import "server-only";
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { rows, type Db } from "@/lib/db";
import { recordPasswordAttempt } from "@/lib/mfa/lockout";
import { noteSignInDevice } from "./devices";
import { verifyPassword } from "./password";
import { createSessionHandoff, type MfaState } from "./sessions";

export const usernameSchema = z
  .string({ error: "Enter your username." })
  .trim()
  .min(1, "Enter your username.")
  .max(64, "A username has at most 64 characters.");

export const passwordInputSchema = z
  .string({ error: "Enter your password." })
  .min(1, "Enter your password.")
  .max(256, "A password has at most 256 characters.");

export function normaliseUsername(username: string): string {
  return username.normalize("NFKC").trim().toLowerCase();
}

/** Same-origin relative paths only: anything else becomes /dashboard (no open redirect). */
export function safeCallbackUrl(value: unknown): string {
  if (typeof value !== "string" || value.length > 2048 || !value.startsWith("/") || value.startsWith("//") || value.includes("\\")) {
    return "/dashboard";
  }
  try {
    const url = new URL(value, "http://mfa-bank.invalid");
    if (url.origin !== "http://mfa-bank.invalid") return "/dashboard";
    return url.pathname + url.search;
  } catch {
    return "/dashboard";
  }
}

type Candidate = { id: string; password_hash: string; mfa_required: boolean; has_factor: boolean };

export type PasswordSignInResult = { ok: true; handoff: string; mfaState: MfaState } | { ok: false };

/**
 * Unknown user, wrong password and locked account all answer `{ ok: false }` after the same
 * argon2 work and the same database statements, so the caller shows one message with one
 * status and one timing.
 */
export async function passwordSignIn(
  db: Db,
  input: { username: string; password: string },
  client: { ip: string | null; userAgent: string | null },
): Promise<PasswordSignInResult> {
  const username = normaliseUsername(input.username);
  const [user] = await rows<Candidate>(
    db,
    sql`SELECT u.id, u.password_hash, g.mfa_required,
               EXISTS (SELECT 1 FROM factors f WHERE f.user_id = u.id AND f.status = 'active') AS has_factor
          FROM users u JOIN groups g ON g.id = u.group_id
         WHERE u.username = ${username}`,
  );
  const passwordOk = await verifyPassword(user?.password_hash, input.password);
  const mfaState: MfaState = user?.has_factor ? "pending" : user?.mfa_required ? "enrol" : "none";
  // An unknown name goes through the same transaction as a known one, with an id that names
  // no row: the same statements, the same round trips, no lock (lib/mfa/lockout.ts).
  const userId = user?.id ?? randomUUID();
  const outcome = await recordPasswordAttempt(
    db,
    {
      userId,
      username,
      ip: client.ip,
      factor: "password",
      purpose: "sign_in",
      passwordOk: Boolean(user) && passwordOk,
      userHasMfa: Boolean(user?.has_factor),
    },
    async (tx) => {
      if (mfaState === "none") {
        await tx.execute(sql`UPDATE users SET last_sign_in_at = now() WHERE id = ${userId}`);
        await noteSignInDevice(tx, userId);
      }
      return createSessionHandoff(tx, {
        userId,
        mfaState,
        ip: client.ip,
        userAgent: client.userAgent,
        passwordVerified: true,
      });
    },
  );
  if (outcome.kind !== "ok") return { ok: false };
  return { ok: true, handoff: outcome.value, mfaState };
}
