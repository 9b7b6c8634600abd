import "server-only";
import { sql } from "drizzle-orm";
import { rows, type DbOrTx } from "@/lib/db";
import { sessions } from "@/lib/db/schema";
import { randomToken, sha256 } from "@/lib/crypto";
import type { SessionEndReason } from "./session-end";

export type MfaState = "pending" | "enrol" | "verified" | "none" | "reset";

export const IDLE_TIMEOUT_MINUTES = 30;
/** findSession writes `last_seen_at` at most once a minute, so the row may lag a request by this much. */
export const LAST_SEEN_GRANULARITY_SECONDS = 60;
export const ABSOLUTE_LIFETIME_HOURS = 12;
/**
 * The browser's idle clock (components/idle-warning.tsx), from the server's: it starts at a
 * page request, when the row may already lag by LAST_SEEN_GRANULARITY_SECONDS, so it ends that
 * much sooner — the warning (WCAG 2.2.1) always comes at least 2 minutes before the server's
 * timeout, and at its end the session is still there to be signed out with reason `idle`.
 */
export const IDLE_WARNING = {
  idleSeconds: IDLE_TIMEOUT_MINUTES * 60 - LAST_SEEN_GRANULARITY_SECONDS,
  warnSeconds: 2 * 60,
} as const;
/** Re-entering the password / passing MFA counts as "present" for this long (Extra Horizon). */
export const PRESENCE_MINUTES = 5;

/**
 * Creates an inactive session and returns a one-time handoff secret. The row only becomes
 * usable when Auth.js redeems the handoff (lib/auth/auth.ts) and writes its token into the
 * cookie — that is how the session id rotates at every step: anonymous → pending → verified.
 */
export async function createSessionHandoff(
  tx: DbOrTx,
  s: {
    userId: string;
    mfaState: MfaState;
    ip?: string | null;
    userAgent?: string | null;
    rotatedFrom?: string | null;
    passwordVerified?: boolean;
    mfaVerified?: boolean;
  },
): Promise<string> {
  return (await createSessionWithHandoff(tx, s)).handoff;
}

/** As createSessionHandoff, also returning the new row's id (to bind other rows to it). */
export async function createSessionWithHandoff(
  tx: DbOrTx,
  s: Parameters<typeof createSessionHandoff>[1],
): Promise<{ sessionId: string; handoff: string }> {
  const handoff = randomToken();
  const [row] = await tx.insert(sessions).values({
    userId: s.userId,
    mfaState: s.mfaState,
    handoffHash: sha256(handoff),
    rotatedFrom: s.rotatedFrom ?? null,
    ip: s.ip ?? null,
    userAgent: s.userAgent?.slice(0, 300) ?? null,
    // Presence (a recent password) carries over to the rotated successor.
    passwordVerifiedAt: s.passwordVerified
      ? sql`now()`
      : s.rotatedFrom
        ? sql`(SELECT password_verified_at FROM sessions WHERE id = ${s.rotatedFrom})`
        : null,
    mfaVerifiedAt: s.mfaVerified ? sql`now()` : null,
    // A rotated session keeps its predecessor's absolute deadline: rotation never extends it.
    expiresAt: s.rotatedFrom
      ? sql`(SELECT expires_at FROM sessions WHERE id = ${s.rotatedFrom})`
      : sql`now() + ${ABSOLUTE_LIFETIME_HOURS}::int * interval '1 hour'`,
  }).returning({ id: sessions.id });
  return { sessionId: row!.id, handoff };
}

/**
 * Redeems a handoff once (within 2 minutes): sets the session's token and revokes the session
 * it replaces, in one statement. Returns the raw token for the cookie, or null.
 */
export async function redeemHandoff(db: DbOrTx, handoff: string): Promise<string | null> {
  const token = randomToken();
  const result = await rows<{ id: string }>(
    db,
    sql`WITH activated AS (
          UPDATE sessions
             SET token_hash = ${sha256(token)}, handoff_hash = NULL, activated_at = now(), last_seen_at = now()
           WHERE handoff_hash = ${sha256(handoff)} AND activated_at IS NULL AND revoked_at IS NULL
             AND created_at > now() - interval '2 minutes'
          RETURNING id, rotated_from
        ), retired AS (
          UPDATE sessions SET revoked_at = now(), revoke_reason = ${"rotated" satisfies SessionEndReason}
           WHERE id IN (SELECT rotated_from FROM activated) AND revoked_at IS NULL
        )
        SELECT id FROM activated`,
  );
  return result.length === 1 ? token : null;
}

export type SessionRow = {
  id: string;
  userId: string;
  mfaState: MfaState;
  username: string;
  displayName: string;
  email: string;
  role: "customer" | "admin";
  groupId: string;
  passwordFresh: boolean;
  mfaFresh: boolean;
  /** "This wasn't me" was used: a new password comes before anything else (lib/auth/devices.ts). */
  mustChangePassword: boolean;
};

/** The one lookup every protected request makes: a missing, expired, idle or revoked row is no session. */
export async function findSession(db: DbOrTx, token: string): Promise<SessionRow | null> {
  const [row] = await rows<SessionRow & { stale: boolean }>(
    db,
    sql`SELECT s.id, s.user_id AS "userId", s.mfa_state AS "mfaState",
               u.username, u.display_name AS "displayName", u.email, u.role, u.group_id AS "groupId", u.must_change_password AS "mustChangePassword",
               COALESCE(s.password_verified_at > now() - ${PRESENCE_MINUTES}::int * interval '1 minute', false) AS "passwordFresh",
               COALESCE(s.mfa_verified_at > now() - ${PRESENCE_MINUTES}::int * interval '1 minute', false) AS "mfaFresh",
               (s.last_seen_at < now() - ${LAST_SEEN_GRANULARITY_SECONDS}::int * interval '1 second') AS stale
          FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.token_hash = ${sha256(token)}
           AND s.revoked_at IS NULL AND s.activated_at IS NOT NULL
           AND s.expires_at > now()
           AND s.last_seen_at > now() - ${IDLE_TIMEOUT_MINUTES}::int * interval '1 minute'`,
  );
  if (!row) return null;
  if (row.stale) {
    // Idle timeout bookkeeping: at most one write a minute per session.
    await db.execute(sql`UPDATE sessions SET last_seen_at = now() WHERE id = ${row.id}`);
  }
  const { stale: _stale, ...session } = row;
  void _stale;
  return session;
}

export async function revokeSession(db: DbOrTx, sessionId: string, reason: SessionEndReason): Promise<void> {
  await db.execute(
    sql`UPDATE sessions SET revoked_at = now(), revoke_reason = ${reason} WHERE id = ${sessionId} AND revoked_at IS NULL`,
  );
}

export async function revokeAllSessions(db: DbOrTx, userId: string, reason: SessionEndReason): Promise<number> {
  const r = await rows<{ id: string }>(
    db,
    sql`UPDATE sessions SET revoked_at = now(), revoke_reason = ${reason}
         WHERE user_id = ${userId} AND revoked_at IS NULL RETURNING id`,
  );
  return r.length;
}

/**
 * Sign-out: the session ends, and its end notice counts as given — the sign-out response
 * itself says "You signed out." (the cookie is deleted with it), so a copy of the old cookie
 * shows nothing later.
 */
export async function signOutSession(db: DbOrTx, sessionId: string): Promise<void> {
  await db.execute(
    sql`UPDATE sessions SET revoked_at = now(), revoke_reason = ${"signed_out" satisfies SessionEndReason}, end_notice_shown_at = now()
         WHERE id = ${sessionId} AND revoked_at IS NULL`,
  );
}

/** "Stay signed in" (WCAG 2.2.1): the idle clock starts again now, whatever findSession wrote. */
export async function touchSession(db: DbOrTx, sessionId: string): Promise<boolean> {
  const r = await rows<{ id: string }>(
    db,
    sql`UPDATE sessions SET last_seen_at = now() WHERE id = ${sessionId} AND revoked_at IS NULL RETURNING id`,
  );
  return r.length === 1;
}

/**
 * /login's question "why did this browser's session end?", asked once. One statement claims
 * the notice of the row the cookie's token names, if that row is no longer usable: revoked
 * (its stored reason), or ran out — then it is revoked here, as of the moment it ran out, with
 * `idle` or `lifetime`, whichever came first. A rotated row tells nothing and is not written.
 * A second call finds `end_notice_shown_at` set and returns null.
 */
export async function claimEndNotice(db: DbOrTx, token: string): Promise<string | null> {
  const idle = sql`s.last_seen_at + ${IDLE_TIMEOUT_MINUTES}::int * interval '1 minute'`;
  const [row] = await rows<{ reason: string | null }>(
    db,
    sql`UPDATE sessions s
           SET end_notice_shown_at = now(),
               revoked_at = COALESCE(s.revoked_at, LEAST(s.expires_at, ${idle})),
               revoke_reason = COALESCE(s.revoke_reason, CASE WHEN ${idle} < s.expires_at THEN ${"idle" satisfies SessionEndReason} ELSE ${"lifetime" satisfies SessionEndReason} END)
         WHERE s.token_hash = ${sha256(token)}
           AND s.activated_at IS NOT NULL
           AND s.end_notice_shown_at IS NULL
           AND s.revoke_reason IS DISTINCT FROM ${"rotated" satisfies SessionEndReason}
           AND (s.revoked_at IS NOT NULL OR s.expires_at <= now() OR ${idle} <= now())
       RETURNING s.revoke_reason AS reason`,
  );
  return row?.reason ?? null;
}
