import "server-only";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { rows, type Db, type DbOrTx, type Tx } from "@/lib/db";
import { queueMail } from "@/lib/mail/outbox";
import { mails } from "@/lib/mail/templates";
import { hit } from "@/lib/rate-limit";
import { audit } from "@/lib/audit";

/**
 * "Lost access to your authenticator? Ask the bank" (OWASP ASVS 5.0 6.4: recovery without the
 * lost factor goes through the bank, not around it). A user who proved the password files a
 * request; it grants nothing. An administrator resolves it with Reset MFA (stepped up,
 * audited, the user mailed: lib/admin/reset.ts) or declines it with a reason (mailed). One
 * open request per user (a partial unique index), three a day.
 */

export const REQUESTS_PER_DAY = 3;
export const REQUESTS_PAGE_SIZE = 25;

export const recoveryMessageSchema = z
  .string({ error: "Tell us in a few words what happened." })
  .trim()
  .min(10, "Tell us in a few words what happened (at least 10 characters).")
  .max(1000, "Keep it under 1000 characters.")
  .regex(/^[^\0]*$/, "Remove the NUL character.");

export type RequestStatus = "open" | "resolved" | "declined";

export type RecoveryRequestRow = {
  id: string;
  userId: string;
  username: string;
  displayName: string;
  message: string;
  status: RequestStatus;
  ip: string | null;
  userAgent: string | null;
  createdAt: Date;
  decidedAt: Date | null;
  decidedByLabel: string | null;
  decisionReason: string | null;
};

const SELECT = sql`SELECT r.id, r.user_id AS "userId", u.username, u.display_name AS "displayName", r.message, r.status,
                          r.ip, r.user_agent AS "userAgent", r.created_at AS "createdAt", r.decided_at AS "decidedAt",
                          r.decided_by_label AS "decidedByLabel", r.decision_reason AS "decisionReason"
                     FROM recovery_requests r JOIN users u ON u.id = r.user_id`;

const toRow = (r: RecoveryRequestRow): RecoveryRequestRow => ({
  ...r,
  createdAt: new Date(r.createdAt),
  decidedAt: r.decidedAt ? new Date(r.decidedAt) : null,
});

export type FileResult = { kind: "filed" } | { kind: "already_open"; since: Date } | { kind: "throttled" };

/** Files a request for a user whose password this session proved (a pending session). */
export async function fileRecoveryRequest(
  db: Db,
  who: { userId: string; sessionId: string; username: string; email: string; displayName: string },
  message: string,
  client: { ip: string | null; userAgent: string | null },
): Promise<FileResult> {
  return db.transaction(async (tx) => {
    const base = { action: "mfa.recovery_requested", subjectUserId: who.userId, sessionId: who.sessionId, ip: client.ip };
    const open = await openRequestOf(tx, who.userId);
    if (open) {
      await audit(tx, { ...base, outcome: "refused", details: { reason: "a request is already open" } });
      return { kind: "already_open", since: open.createdAt };
    }
    if (!(await hit(tx, `recovery-request:account:${who.userId}`, REQUESTS_PER_DAY, 24 * 3600))) {
      await audit(tx, { ...base, outcome: "refused", details: { reason: "throttled" } });
      return { kind: "throttled" };
    }
    // The partial unique index settles a race between two tabs: the second insert does nothing.
    const inserted = await rows<{ id: string }>(
      tx,
      sql`INSERT INTO recovery_requests (user_id, message, ip, user_agent)
          VALUES (${who.userId}, ${message}, ${client.ip}, ${client.userAgent?.slice(0, 300) ?? null})
          ON CONFLICT (user_id) WHERE status = 'open' DO NOTHING RETURNING id`,
    );
    if (inserted.length === 0) return { kind: "already_open", since: new Date() };
    await audit(tx, { ...base, outcome: "ok", details: { request: inserted[0]!.id } });
    await queueMail(tx, {
      userId: who.userId,
      to: who.email,
      ...mails.recoveryRequestReceived(who.username),
    });
    return { kind: "filed" };
  });
}

export async function openRequestOf(db: DbOrTx, userId: string): Promise<RecoveryRequestRow | null> {
  const [r] = await rows<RecoveryRequestRow>(db, sql`${SELECT} WHERE r.user_id = ${userId} AND r.status = 'open'`);
  return r ? toRow(r) : null;
}

export async function getRecoveryRequest(db: DbOrTx, id: string): Promise<RecoveryRequestRow | null> {
  const [r] = await rows<RecoveryRequestRow>(db, sql`${SELECT} WHERE r.id = ${id}`);
  return r ? toRow(r) : null;
}

export async function countOpenRequests(db: DbOrTx): Promise<number> {
  const [r] = await rows<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM recovery_requests WHERE status = 'open'`);
  return Number(r?.n ?? 0);
}

/** The queue: open ones oldest first (first come, first served); decided ones newest first. */
export async function listRecoveryRequests(
  db: DbOrTx,
  filter: { status: RequestStatus | "all"; page: number },
): Promise<{ requests: RecoveryRequestRow[]; total: number }> {
  const where = filter.status === "all" ? sql`true` : sql`r.status = ${filter.status}`;
  const order = filter.status === "open" ? sql`r.created_at ASC` : sql`r.created_at DESC`;
  const offset = (filter.page - 1) * REQUESTS_PAGE_SIZE;
  const [list, [count]] = await Promise.all([
    rows<RecoveryRequestRow>(db, sql`${SELECT} WHERE ${where} ORDER BY ${order}, r.id LIMIT ${REQUESTS_PAGE_SIZE} OFFSET ${offset}`),
    rows<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM recovery_requests r WHERE ${where}`),
  ]);
  return { requests: list.map(toRow), total: Number(count?.n ?? 0) };
}

type Decider = { userId?: string | null; label: string };

/** In the Reset MFA transaction: the user's open request, if any, is resolved by it. */
export async function resolveOpenRequestIn(tx: Tx, userId: string, actor: Decider, reason: string): Promise<string | null> {
  const [r] = await rows<{ id: string }>(
    tx,
    sql`UPDATE recovery_requests
           SET status = 'resolved', decided_at = app_now(), decided_by = ${actor.userId ?? null},
               decided_by_label = ${actor.label}, decision_reason = ${reason}
         WHERE user_id = ${userId} AND status = 'open' RETURNING id`,
  );
  return r?.id ?? null;
}

/** Declines the user's open request and mails them the reason. Null: nothing was open. */
export async function declineOpenRequestIn(
  tx: Tx,
  userId: string,
  actor: Decider & { sessionId?: string | null; ip?: string | null },
  reason: string,
): Promise<string | null> {
  const [r] = await rows<{ id: string; email: string; username: string }>(
    tx,
    sql`UPDATE recovery_requests r
           SET status = 'declined', decided_at = app_now(), decided_by = ${actor.userId ?? null},
               decided_by_label = ${actor.label}, decision_reason = ${reason}
          FROM users u
         WHERE r.user_id = ${userId} AND r.status = 'open' AND u.id = r.user_id
        RETURNING r.id, u.email, u.username`,
  );
  if (!r) return null;
  await audit(tx, {
    action: "mfa.recovery_declined",
    outcome: "ok",
    subjectUserId: userId,
    actorUserId: actor.userId ?? null,
    actorLabel: actor.label,
    sessionId: actor.sessionId ?? null,
    ip: actor.ip ?? null,
    details: { request: r.id, reason },
  });
  await queueMail(tx, {
    userId,
    to: r.email,
    ...mails.recoveryRequestDeclined(r.username, reason),
  });
  return r.id;
}
