import "server-only";
import { revokeRememberedDevices } from "./remembered-devices";
import { sql } from "drizzle-orm";
import { rows, type DbOrTx, type Tx } from "@/lib/db";
import { audit } from "@/lib/audit";
import type { SessionEndReason } from "./session-end";
import { IDLE_TIMEOUT_MINUTES } from "./sessions";
import { describeUserAgent, type DeviceDescription } from "./user-agent";

/**
 * The security centre's sessions, for the customer (/security/activity) and
 * the admin's user page alike. Every write names the owner in its WHERE clause, so a session id
 * of another user matches no row: nothing changes and the caller says so.
 */

export type SessionListRow = {
  id: string;
  mfaState: string;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  ip: string | null;
  userAgent: string | null;
  device: DeviceDescription;
};

/** Sessions that would still be accepted (same conditions as lib/auth/sessions.ts findSession), newest activity first. */
export async function listActiveSessions(db: DbOrTx, userId: string): Promise<SessionListRow[]> {
  const list = await rows<Record<string, unknown>>(
    db,
    sql`SELECT id, mfa_state AS "mfaState", COALESCE(activated_at, created_at) AS "createdAt", last_seen_at AS "lastSeenAt",
               expires_at AS "expiresAt", ip, user_agent AS "userAgent"
          FROM sessions
         WHERE user_id = ${userId} AND revoked_at IS NULL AND activated_at IS NOT NULL
           AND expires_at > app_now() AND last_seen_at > app_now() - ${IDLE_TIMEOUT_MINUTES}::int * interval '1 minute'
         ORDER BY last_seen_at DESC, id`,
  );
  return list.map((s) => ({
    ...(s as unknown as SessionListRow),
    createdAt: new Date(s.createdAt as string),
    lastSeenAt: new Date(s.lastSeenAt as string),
    expiresAt: new Date(s.expiresAt as string),
    device: describeUserAgent(s.userAgent as string | null),
  }));
}

/** Whether `sessionId` is a session of `userId` that has not been ended (the admin's "End session" checks it first). */
export async function isUnendedSessionOf(db: DbOrTx, userId: string, sessionId: string): Promise<boolean> {
  const live = await rows<{ id: string }>(
    db,
    sql`SELECT id FROM sessions WHERE id = ${sessionId} AND user_id = ${userId} AND revoked_at IS NULL`,
  );
  return live.length > 0;
}

export type Ender = { sessionId: string | null; ip: string | null; actorUserId: string; actorLabel: string };

/**
 * Ends one session of `userId` — never the caller's own (`keep`): "Sign out this session" is
 * for the others, the header's Sign out for this one. Returns false when no such live session
 * of this user exists (someone else's id, an ended one): nothing was written but a refusal.
 */
export async function endSessionOf(
  tx: Tx,
  userId: string,
  targetSessionId: string,
  by: Ender & { reason: "signed_out_elsewhere" | "ended_by_admin"; keep?: string; adminReason?: string },
): Promise<boolean> {
  const ended = await rows<{ id: string; user_agent: string | null; ip: string | null }>(
    tx,
    sql`UPDATE sessions SET revoked_at = app_now(), revoke_reason = ${by.reason}
         WHERE id = ${targetSessionId} AND user_id = ${userId} AND revoked_at IS NULL AND activated_at IS NOT NULL
           ${by.keep ? sql`AND id <> ${by.keep}` : sql``}
       RETURNING id, user_agent, ip`,
  );
  const base = { action: "session.ended", subjectUserId: userId, actorUserId: by.actorUserId, actorLabel: by.actorLabel, sessionId: by.sessionId, ip: by.ip };
  if (!ended.length) {
    await audit(tx, { ...base, outcome: "refused", details: { target: targetSessionId, reason: "no such live session of this user" } });
    return false;
  }
  const e = ended[0]!;
  await audit(tx, {
    ...base,
    outcome: "ok",
    details: { target: e.id, device: describeUserAgent(e.user_agent).label, targetIp: e.ip, endReason: by.reason, ...(by.adminReason ? { adminReason: by.adminReason } : {}) },
  });
  return true;
}

/** "Sign out all other sessions": every live session of the user but `keep`. Returns how many ended. */
export async function endOtherSessions(tx: Tx, userId: string, keep: string, by: Ender): Promise<number> {
  const ended = await rows<{ id: string }>(
    tx,
    sql`UPDATE sessions SET revoked_at = app_now(), revoke_reason = ${"signed_out_everywhere" satisfies SessionEndReason}
         WHERE user_id = ${userId} AND id <> ${keep} AND revoked_at IS NULL RETURNING id`,
  );
  // Signing out everywhere else also forgets every remembered browser, this one's included.
  await revokeRememberedDevices(tx, userId, "signed_out_everywhere", { actorUserId: by.actorUserId, actorLabel: by.actorLabel, ip: by.ip });
  await audit(tx, {
    action: "sessions.ended_others",
    outcome: "ok",
    subjectUserId: userId,
    actorUserId: by.actorUserId,
    actorLabel: by.actorLabel,
    sessionId: by.sessionId,
    ip: by.ip,
    details: { sessionsEnded: ended.length },
  });
  return ended.length;
}
