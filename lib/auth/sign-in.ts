import "server-only";
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { rows, type Db, type Tx } from "@/lib/db";
import { recordPasswordAttempt } from "@/lib/mfa/lockout";
import { audit, type PendingAudit } from "@/lib/audit";
import { settleSignInDevice, signInBrowser, touchKnownDevice } from "./devices";
import { useRememberedDevice, type RememberCookie } from "./remembered-devices";
import { verifyPassword } from "./password";
import type { Challenge } from "@/lib/db/schema";
import type { FactorUser } from "@/lib/mfa/factors/types";
import { readSnapshot, snapshotSql, type SnapshotRead } from "@/lib/mfa/registry";
import { startSession, startSessionIf, type MfaState, type SessionGate, type SessionRow } from "./sessions";

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

type Candidate = { id: string; username: string; email: string; group_id: string; password_hash: string; mfa_required: boolean; has_factor: boolean };

export type PasswordSignInResult =
  | {
      ok: true;
      /** The new session's raw token, for the cookie once the transaction has committed. */
      token: string;
      mfaState: MfaState;
      /** The user of the new session, as a factor plugin sees them. */
      user: FactorUser;
      /** A pending session's sign-in challenge, opened in the same transaction. */
      challenge: Challenge | null;
      /** What the second step offers, read by the session's statement (lib/mfa/sign-in-step.ts); empty without a challenge. */
      factors: SnapshotRead;
      /** The browser was remembered (the MFA step skipped): its rotated cookie. */
      remembered: RememberCookie | null;
      /** The new session as `findSession` reads it (lib/auth/current.ts `setSessionCookie`). */
      session: SessionRow;
    }
  | { ok: false };

/**
 * Unknown user, wrong password and locked account all answer `{ ok: false }` after the same
 * argon2 work and the same database statements, so the caller shows one message with one
 * status and one timing.
 */
export async function passwordSignIn(
  db: Db,
  input: { username: string; password: string; callbackUrl?: string },
  client: { ip: string | null; userAgent: string | null; rememberCookie?: string | null },
): Promise<PasswordSignInResult> {
  const username = normaliseUsername(input.username);
  const [user] = await rows<Candidate>(
    db,
    sql`SELECT u.id, u.username, u.email, u.group_id, u.password_hash, g.mfa_required,
               EXISTS (SELECT 1 FROM factors f WHERE f.user_id = u.id AND f.status = 'active') AS has_factor
          FROM users u JOIN groups g ON g.id = u.group_id
         WHERE u.username = ${username}`,
  );
  const passwordOk = await verifyPassword(user?.password_hash, input.password);
  const mfaState: MfaState = user?.has_factor ? "pending" : user?.mfa_required ? "enrol" : "none";
  // An unknown name goes through the same transaction as a known one, with an id that names
  // no row: the same statements, the same round trips, no lock (lib/mfa/lockout.ts).
  const userId = user?.id ?? randomUUID();
  const complete = mfaState !== "pending" && mfaState !== "enrol";
  const signInChallenge = mfaState === "pending" ? { context: { callbackUrl: input.callbackUrl ?? "/dashboard" } } : undefined;
  // What the second step offers, returned by the session's statement when it opened the challenge
  // (the login form shows the step without a read of its own); the same text for every account.
  const factorsRead = snapshotSql({ userId: sql`${userId}::uuid`, groupId: sql`${user?.group_id ?? null}::text`, sessionId: sql`NULL::uuid` });
  // Without a remembered-browser cookie (which must be checked under the lock before the session
  // starts), the session's statement carries the row lock and the admission rules: a clean
  // sign-in is one statement in its transaction. Which way is taken depends only on what the
  // browser sent; the statement's text is the same for every account and every outcome (the
  // device check is in it for everyone, and only writes for a completed sign-in).
  const browserFirst = client.rememberCookie ? null : await signInBrowser();
  const startGated = client.rememberCookie
    ? undefined
    : async (tx: Tx, gate: SessionGate, audited: PendingAudit) => {
        const { gate: read, started } = await startSessionIf(
          tx,
          {
            userId,
            mfaState,
            ip: client.ip,
            userAgent: client.userAgent,
            passwordVerified: true,
            signedIn: complete,
            signInChallenge,
            alsoRead: factorsRead,
            audit: audited,
            knownDevice: browserFirst && touchKnownDevice(userId, browserFirst.client, sql`${complete}::boolean AND EXISTS (SELECT 1 FROM created)`),
          },
          gate,
        );
        if (!started) return { gate: read, value: null };
        await settleSignInDevice(tx, userId, complete ? browserFirst : null, started.deviceSeen);
        const { sessionId, token, challenge, session, alsoRead } = started;
        return { gate: read, value: { sessionId, token, challenge, state: mfaState, remembered: null, session, factors: alsoRead } };
      };
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
    async (tx, audited) => {
      // A browser the user chose to remember skips the sign-in MFA step, and only that
      // (lib/auth/remembered-devices.ts): the session gets no MFA time, so step-up and presence still ask.
      const remembered = mfaState === "pending" && client.rememberCookie ? await useRememberedDevice(tx, userId, client.rememberCookie) : null;
      const state: MfaState = remembered ? "verified" : mfaState;
      // A sign-in complete now: the new-device check (lib/auth/devices.ts), its known-device
      // half in the session's statement.
      const done = state !== "pending" && state !== "enrol";
      const browser = done ? await signInBrowser() : null;
      // The session starts in its final state (no handoff to redeem on the next request); a
      // pending one gets its sign-in challenge in the same statement, so the login action
      // can show the factor step in place. The attempt's audit row rides along, except after
      // a remembered browser, whose own row comes first.
      const { sessionId, token, challenge, deviceSeen, session, alsoRead } = await startSession(tx, {
        userId,
        mfaState: state,
        ip: client.ip,
        userAgent: client.userAgent,
        passwordVerified: true,
        signedIn: done,
        signInChallenge: state === "pending" ? signInChallenge : undefined,
        alsoRead: factorsRead,
        audit: remembered ? undefined : audited,
        knownDevice: browser && touchKnownDevice(userId, browser.client),
      });
      await settleSignInDevice(tx, userId, browser, deviceSeen);
      if (remembered) await audit(tx, { action: "sign_in.remembered_device", outcome: "ok", subjectUserId: userId, sessionId, ip: client.ip });
      return { sessionId, token, challenge, state, remembered, session, factors: alsoRead };
    },
    startGated,
  );
  if (outcome.kind !== "ok" || !user) return { ok: false };
  const { sessionId, token, challenge, state, remembered, session, factors } = outcome.value;
  return {
    ok: true,
    token,
    session,
    mfaState: state,
    challenge,
    remembered,
    factors: readSnapshot(factors),
    user: { userId: user.id, username: user.username, email: user.email, groupId: user.group_id, sessionId },
  };
}
