import "server-only";
import { sql } from "drizzle-orm";
import { rows, type Db, type DbOrTx, type Tx } from "@/lib/db";
import { passwordResets } from "@/lib/db/schema";
import { randomToken, sha256 } from "@/lib/crypto";
import { getEnv } from "@/lib/env";
import { queueMail } from "@/lib/mail/outbox";
import { mails } from "@/lib/mail/templates";
import { audit } from "@/lib/audit";
import { lockInForce } from "@/lib/mfa/lockout";
import { hasPrimaryFactor } from "@/lib/mfa/registry-core";
import { hit } from "@/lib/rate-limit";
import { hashPassword, verifyPassword } from "./password";
import { revokeAllSessions, startSession } from "./sessions";
import { normaliseUsername } from "./sign-in";

export const RESET_MINUTES = 30;
/** Per account and per client, per 15 minutes: a flood sends nothing more and locks nothing. */
const PER_ACCOUNT = 3;
const PER_CLIENT = 20;
const WINDOW_SECONDS = 15 * 60;

/**
 * Forgot password, step 1. The caller answers the same page whatever happens here, and runs
 * this after the response is sent (next/server `after`), so existing and unknown accounts
 * also take the same time. A newer link voids the older ones.
 */
export async function requestPasswordReset(db: Db, identifier: string, ip: string | null): Promise<void> {
  const id = normaliseUsername(identifier);
  const clientOk = await hit(db, `reset:client:${ip ?? "unknown"}`, PER_CLIENT, WINDOW_SECONDS);
  const accountOk = await hit(db, `reset:account:${sha256(id)}`, PER_ACCOUNT, WINDOW_SECONDS);
  const [user] = await rows<{ id: string; username: string; email: string }>(
    db,
    sql`SELECT id, username, email FROM users WHERE username = ${id} OR lower(email) = ${id} LIMIT 1`,
  );
  if (!user) return;
  if (!clientOk || !accountOk) {
    await audit(db, { action: "password_reset.requested", outcome: "refused", subjectUserId: user.id, ip, details: { reason: "throttled" } });
    return;
  }
  const token = randomToken(32); // 256 bits; only the hash is stored
  await db.transaction(async (tx) => {
    await tx.execute(
      sql`UPDATE password_resets SET voided_at = app_now() WHERE user_id = ${user.id} AND used_at IS NULL AND voided_at IS NULL`,
    );
    await tx.insert(passwordResets).values({
      userId: user.id,
      tokenHash: sha256(token),
      expiresAt: sql`app_now() + ${RESET_MINUTES}::int * interval '1 minute'`,
    });
    // The link's origin comes from configuration, never from the request's Host header.
    const link = `${getEnv().appUrl}/reset-password?token=${token}`;
    await queueMail(tx, {
      userId: user.id,
      to: user.email,
      ...mails.passwordResetLink(user.username, link, RESET_MINUTES),
    });
    await audit(tx, { action: "password_reset.requested", outcome: "ok", subjectUserId: user.id, ip });
  });
}

export type ResetLinkState = "valid" | "used" | "expired" | "superseded" | "unknown";

/**
 * For the page: what the link is, before anyone presses Continue. Reads only (mail scanners
 * open links); the claim below decides again, under its own conditions, at the click.
 */
export async function resetLinkState(db: DbOrTx, token: string): Promise<ResetLinkState> {
  if (token.length < 20 || token.length > 200) return "unknown";
  const [r] = await rows<{ used: boolean; voided: boolean; expired: boolean }>(
    db,
    sql`SELECT (claimed_at IS NOT NULL OR used_at IS NOT NULL) AS used, (voided_at IS NOT NULL) AS voided, (expires_at <= app_now()) AS expired
          FROM password_resets WHERE token_hash = ${sha256(token)}`,
  );
  if (!r) return "unknown";
  if (r.used) return "used";
  if (r.voided) return "superseded";
  if (r.expired) return "expired";
  return "valid";
}

export type ClaimResult =
  | { kind: "invalid" }
  | { kind: "locked" }
  | { kind: "ok"; token: string; needsMfa: boolean };

/**
 * Step 2: the link is claimed once, by one new "reset" session — a session that reaches only
 * the reset flow and never signs in. A second use of the link finds nothing.
 */
export async function claimPasswordReset(
  db: Db,
  token: string,
  client: { ip: string | null; userAgent: string | null },
): Promise<ClaimResult> {
  return db.transaction(async (tx) => {
    const [reset] = await rows<{ id: string; user_id: string; locked: boolean }>(
      tx,
      sql`UPDATE password_resets r SET claimed_at = app_now()
            FROM users u
           WHERE r.token_hash = ${sha256(token)} AND u.id = r.user_id
             AND r.claimed_at IS NULL AND r.used_at IS NULL AND r.voided_at IS NULL AND r.expires_at > app_now()
       RETURNING r.id, r.user_id, ${lockInForce("u")} AS locked`,
    );
    if (!reset) {
      await audit(tx, { action: "password_reset.link", outcome: "refused", ip: client.ip, details: { reason: "unknown, used, superseded or expired link" } });
      return { kind: "invalid" };
    }
    if (reset.locked) {
      await audit(tx, { action: "password_reset.link", outcome: "refused", subjectUserId: reset.user_id, ip: client.ip, details: { reason: "account locked" } });
      return { kind: "locked" };
    }
    const needsMfa = await hasPrimaryFactor(tx, reset.user_id);
    const { sessionId, token: sessionToken } = await startSession(tx, {
      userId: reset.user_id,
      mfaState: "reset",
      ip: client.ip,
      userAgent: client.userAgent,
    });
    await tx.execute(sql`UPDATE password_resets SET session_id = ${sessionId} WHERE id = ${reset.id}`);
    await audit(tx, { action: "password_reset.link", outcome: "ok", subjectUserId: reset.user_id, sessionId, ip: client.ip, details: { needsMfa } });
    return { kind: "ok", token: sessionToken, needsMfa };
  });
}

export type ActiveReset = { id: string; userId: string; needsMfa: boolean; mfaPassed: boolean; locked: boolean };

/** The reset this session claimed, while it is still usable. */
export async function findActiveReset(db: DbOrTx, sessionId: string): Promise<ActiveReset | null> {
  const [r] = await rows<{ id: string; user_id: string; mfa_passed: boolean; locked: boolean }>(
    db,
    sql`SELECT r.id, r.user_id, (r.mfa_passed_at IS NOT NULL) AS mfa_passed,
               ${lockInForce("u")} AS locked
          FROM password_resets r JOIN users u ON u.id = r.user_id
         WHERE r.session_id = ${sessionId} AND r.used_at IS NULL AND r.voided_at IS NULL AND r.expires_at > app_now()`,
  );
  if (!r) return null;
  return { id: r.id, userId: r.user_id, mfaPassed: r.mfa_passed, locked: r.locked, needsMfa: await hasPrimaryFactor(db, r.user_id) };
}

export async function markResetMfaPassed(tx: Tx, resetId: string, sessionId: string): Promise<void> {
  await tx.execute(sql`UPDATE password_resets SET mfa_passed_at = app_now() WHERE id = ${resetId} AND session_id = ${sessionId}`);
}

/** Hash before opening the transaction: a slow hash must not hold row locks. */
export { hashPassword };

/** Whether `password` is the user's current one (the hash itself never leaves lib/). */
export async function isCurrentPassword(db: DbOrTx, userId: string, password: string): Promise<boolean> {
  const [u] = await rows<{ password_hash: string }>(db, sql`SELECT password_hash FROM users WHERE id = ${userId}`);
  return verifyPassword(u?.password_hash, password);
}

/** Under the user's row lock: whether a new password is still owed ("This wasn't me"). */
export async function stillOwesPasswordChange(tx: Tx, userId: string): Promise<boolean> {
  const [still] = await rows<{ must: boolean }>(tx, sql`SELECT must_change_password AS must FROM users WHERE id = ${userId} FOR UPDATE`);
  return !!still?.must;
}

/** Takes the user's row lock and says whether the account is locked now (a reset must not finish then). */
async function lockUserAndCheckLocked(tx: Tx, userId: string): Promise<boolean> {
  const [u] = await rows<{ locked: boolean }>(
    tx,
    sql`SELECT ${lockInForce()} AS locked
          FROM users WHERE id = ${userId} FOR UPDATE`,
  );
  return !!u?.locked;
}

/** Spends the reset once: false when it was already used (a second tab, a double click). */
async function spendReset(tx: Tx, resetId: string): Promise<boolean> {
  const used = await rows<{ id: string }>(tx, sql`UPDATE password_resets SET used_at = app_now() WHERE id = ${resetId} AND used_at IS NULL RETURNING id`);
  return used.length > 0;
}

/**
 * The reset's last step, in one transaction: re-checked under the user's row lock that this is
 * still the session's reset, its MFA passed and the account not locked; then the reset is spent
 * and the password set (every session ends, audited, mailed).
 */
export async function finishPasswordReset(
  db: Db,
  session: { id: string; userId: string; username: string; email: string },
  passwordHash: string,
  ip: string | null,
): Promise<{ kind: "done" | "expired" | "locked" }> {
  return db.transaction(async (tx) => {
    const locked = await lockUserAndCheckLocked(tx, session.userId);
    const reset = await findActiveReset(tx, session.id);
    if (!reset || (reset.needsMfa && !reset.mfaPassed)) return { kind: "expired" };
    if (locked) return { kind: "locked" };
    if (!(await spendReset(tx, reset.id))) return { kind: "expired" };
    await setNewPassword(tx, { id: session.userId, username: session.username, email: session.email }, passwordHash, { via: "reset", sessionId: session.id, ip });
    return { kind: "done" };
  });
}

/**
 * Sets a new password: every session of the user ends (this one too), an audit event and a
 * "your password was changed" mail are written — all in the caller's transaction.
 */
export async function setNewPassword(
  tx: Tx,
  user: { id: string; username: string; email: string },
  passwordHash: string,
  ctx: { via: "reset" | "security page"; sessionId: string; ip: string | null },
): Promise<void> {
  await tx.execute(sql`UPDATE users SET password_hash = ${passwordHash}, password_changed_at = app_now(), must_change_password = false WHERE id = ${user.id}`);
  await revokeAllSessions(tx, user.id, "password_changed");
  await audit(tx, { action: "password.changed", outcome: "ok", subjectUserId: user.id, actorUserId: user.id, sessionId: ctx.sessionId, ip: ctx.ip, details: { via: ctx.via } });
  await queueMail(tx, {
    userId: user.id,
    to: user.email,
    ...mails.passwordChanged(user.username),
  });
}
