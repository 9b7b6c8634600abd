import "server-only";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { revokeAllSessions } from "@/lib/auth/sessions";
import { normaliseUsername } from "@/lib/auth/sign-in";
import { rows, type Db, type DbOrTx, type Tx } from "@/lib/db";
import { queueMail } from "@/lib/mail/outbox";
import { mails } from "@/lib/mail/templates";
import { audit } from "@/lib/audit";
import { resolveOpenRequestIn } from "@/lib/mfa/recovery-requests";
import { factorsOfUser } from "@/lib/mfa/registry";

/**
 * Totara's "Reset MFA", one function for the admin page and the CLI (scripts/mfa-reset.ts):
 * every factor goes through its plugin's `remove()` (recovery codes are a factor too), open
 * challenges are canceled, unused step-up grants and password-reset links are voided, every
 * session ends, the user gets a mail, and one audit event names actor, subject and reason —
 * all in the caller's transaction, so it happens completely or not at all.
 *
 * At the next sign-in a user whose group requires MFA has no factor, so lib/auth/sign-in.ts
 * gives them an "enrol" session: enrol first, never a password-only verified session.
 */

/** Who acts: an admin (their user id and username) or the command line ("cli"). */
export type Actor = { userId?: string | null; label: string; ip?: string | null; sessionId?: string | null; details?: Record<string, unknown> };

export const reasonSchema = z
  .string({ error: "Give a reason (it goes into the audit log)." })
  .trim()
  .min(3, "Give a reason of at least 3 characters (it goes into the audit log).")
  .max(500, "A reason has at most 500 characters.");

export type TargetUser = { id: string; username: string; displayName: string; email: string; role: "customer" | "admin"; groupId: string };

export async function findUserById(db: DbOrTx, id: string): Promise<TargetUser | null> {
  const [u] = await rows<TargetUser>(
    db,
    sql`SELECT id, username, display_name AS "displayName", email, role, group_id AS "groupId" FROM users WHERE id = ${id}`,
  );
  return u ?? null;
}

export async function findUserByUsername(db: DbOrTx, username: string): Promise<TargetUser | null> {
  const [u] = await rows<TargetUser>(
    db,
    sql`SELECT id, username, display_name AS "displayName", email, role, group_id AS "groupId"
          FROM users WHERE username = ${normaliseUsername(username)}`,
  );
  return u ?? null;
}

export type ResetResult = {
  user: TargetUser;
  factorsRemoved: string[];
  sessionsEnded: number;
  challengesCanceled: number;
};

/** Who did it, as every admin audit row records it. */
export function actorFields(actor: Actor) {
  return { actorUserId: actor.userId ?? null, actorLabel: actor.label, sessionId: actor.sessionId ?? null, ip: actor.ip ?? null };
}

/** Resets in the given transaction (the admin action's step-up transaction). Null: no such user. */
export async function resetUserMfaIn(tx: Tx, userId: string, actor: Actor, reason: string): Promise<ResetResult | null> {
  // The row lock serialises the reset with any sign-in or MFA attempt of this user.
  const [locked] = await rows<{ id: string }>(tx, sql`SELECT id FROM users WHERE id = ${userId} FOR UPDATE`);
  if (!locked) return null;
  const user = (await findUserById(tx, userId))!;

  const factorsRemoved: string[] = [];
  for (const factor of await factorsOfUser(tx, userId)) {
    if (await factor.isActive(tx, userId)) factorsRemoved.push(factor.id);
    await factor.remove(tx, userId); // also clears a pending (half-done) registration
  }
  const canceled = await rows<{ id: string }>(
    tx,
    sql`UPDATE challenges SET status = 'canceled' WHERE user_id = ${userId} AND status = 'open' RETURNING id`,
  );
  await tx.execute(
    sql`UPDATE step_up_grants SET voided_at = app_now() WHERE user_id = ${userId} AND used_at IS NULL AND voided_at IS NULL`,
  );
  // A reset link escalates through the factors that were just removed: it must start over.
  await tx.execute(
    sql`UPDATE password_resets SET voided_at = app_now() WHERE user_id = ${userId} AND used_at IS NULL AND voided_at IS NULL`,
  );
  const sessionsEnded = await revokeAllSessions(tx, userId, "mfa_reset");
  // A "lost my device" request of theirs is answered by this reset.
  const recoveryRequest = await resolveOpenRequestIn(tx, userId, actor, reason);

  await audit(tx, {
    action: "mfa.reset",
    outcome: "ok",
    subjectUserId: userId,
    ...actorFields(actor),
    details: {
      ...actor.details,
      reason,
      username: user.username,
      factorsRemoved,
      sessionsEnded,
      challengesCanceled: canceled.length,
      ...(recoveryRequest ? { recoveryRequest } : {}),
    },
  });
  await queueMail(tx, {
    userId,
    to: user.email,
    ...mails.mfaReset(user.username),
  });
  return { user, factorsRemoved, sessionsEnded, challengesCanceled: canceled.length };
}

/** The CLI's entry: its own transaction. */
export async function resetUserMfa(db: Db, userId: string, actor: Actor, reason: string): Promise<ResetResult | null> {
  return db.transaction((tx) => resetUserMfaIn(tx, userId, actor, reason));
}

/** Ends every session of the user at its next request; audited with actor and reason. */
export async function endUserSessionsIn(tx: Tx, userId: string, actor: Actor, reason: string): Promise<number | null> {
  const user = await findUserById(tx, userId);
  if (!user) return null;
  const ended = await revokeAllSessions(tx, userId, "ended_by_admin");
  await audit(tx, {
    action: "sessions.ended",
    outcome: "ok",
    subjectUserId: userId,
    ...actorFields(actor),
    details: { ...actor.details, reason, username: user.username, sessionsEnded: ended },
  });
  return ended;
}
