import "server-only";
import { sql } from "drizzle-orm";
import type { cookies } from "next/headers";
import { z } from "zod";
import { randomToken, sha256 } from "@/lib/crypto";
import { rows, type DbOrTx } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { audit } from "@/lib/audit";

/**
 * "Don't ask for a code on this browser for N days".
 *
 * - N is the group profile's `remember_device_days`: 0 (off, the default) to 30.
 * - The browser holds an opaque `id.secret` cookie (httpOnly, N days). Only the secret's SHA-256
 *   is stored, in a row bound to the user; every use replaces the secret (a copied cookie works
 *   once at most, and its theft shows as the owner's next sign-in asking for a code).
 * - It skips the sign-in MFA step only: the password and the one lockout always apply, and the
 *   session it starts has no MFA time (`mfa_verified_at` NULL), so step-up, presence and admin
 *   actions still ask for a fresh second factor.
 * - Revoked — never deleted, so the security centre and the audit log can say when and why — on
 *   password change, MFA reset (admin or CLI), recovery-code use, factor removal, signing out
 *   everywhere, an admin ending the sessions, "This wasn't me", a lock, and the user's own
 *   "Forget". Each revocation that ends something is audited.
 * - It only counts while the group still allows it, and never for longer than the group allows now.
 */

export const MAX_REMEMBER_DEVICE_DAYS = 30;

export function rememberCookieName(secure = getEnv().secureCookies): string {
  return secure ? "__Host-mfa-bank.remember" : "mfa-bank.remember";
}

const cookieSchema = z.string().regex(/^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.([A-Za-z0-9_-]{43})$/);

function parseCookie(value: string | null | undefined): { id: string; secret: string } | null {
  if (!value || !cookieSchema.safeParse(value).success) return null;
  const [id, secret] = value.split(".") as [string, string];
  return { id, secret };
}

export type RememberCookie = { value: string; maxAgeSeconds: number };

/** The cookie, httpOnly, for as long as the row lasts. */
export function setRememberCookie(jar: Awaited<ReturnType<typeof cookies>>, c: RememberCookie): void {
  jar.set(rememberCookieName(), c.value, { httpOnly: true, sameSite: "lax", secure: getEnv().secureCookies, path: "/", maxAge: c.maxAgeSeconds });
}

/** After MFA at sign-in, when the person ticked the box and the group allows it: a new remembered browser. */
export async function rememberDevice(
  tx: DbOrTx,
  userId: string,
  client: { ip: string | null; userAgent: string | null },
): Promise<RememberCookie | null> {
  const secret = randomToken(32);
  const [row] = await rows<{ id: string; seconds: number }>(
    tx,
    sql`INSERT INTO remembered_devices (user_id, secret_hash, user_agent, ip, expires_at)
        SELECT u.id, ${sha256(secret)}, ${client.userAgent?.slice(0, 300) ?? null}, ${client.ip},
               app_now() + LEAST(g.remember_device_days, ${MAX_REMEMBER_DEVICE_DAYS}) * interval '1 day'
          FROM users u JOIN groups g ON g.id = u.group_id
         WHERE u.id = ${userId} AND g.remember_device_days > 0
        RETURNING id, FLOOR(EXTRACT(EPOCH FROM (expires_at - app_now())))::int AS seconds`,
  );
  if (!row) return null;
  const seconds = Number(row.seconds);
  await audit(tx, { action: "remembered_device.added", outcome: "ok", subjectUserId: userId, ip: client.ip, details: { device: row.id, days: Math.round(seconds / 86_400) } });
  return { value: `${row.id}.${secret}`, maxAgeSeconds: seconds };
}

/**
 * At a right password, in its transaction: is this browser remembered for this user, still
 * allowed by the group, unexpired and unrevoked? Then its secret rotates (same expiry) and the
 * new cookie comes back; otherwise null and the MFA step is asked as usual. A forged, reused or
 * foreign cookie is simply not found: nothing is said and nothing changes.
 */
export async function useRememberedDevice(tx: DbOrTx, userId: string, cookie: string | null | undefined): Promise<RememberCookie | null> {
  const parsed = parseCookie(cookie);
  if (!parsed) return null;
  const next = randomToken(32);
  const [row] = await rows<{ id: string; seconds: number }>(
    tx,
    sql`UPDATE remembered_devices r SET secret_hash = ${sha256(next)}, last_used_at = app_now()
          FROM users u JOIN groups g ON g.id = u.group_id
         WHERE r.id = ${parsed.id} AND r.user_id = ${userId} AND u.id = r.user_id
           AND r.secret_hash = ${sha256(parsed.secret)}
           AND r.revoked_at IS NULL AND r.expires_at > app_now()
           AND g.remember_device_days > 0
           AND r.created_at + LEAST(g.remember_device_days, ${MAX_REMEMBER_DEVICE_DAYS}) * interval '1 day' > app_now()
           AND u.locked_at IS NULL
        RETURNING r.id, GREATEST(0, FLOOR(EXTRACT(EPOCH FROM (LEAST(r.expires_at, r.created_at + LEAST(g.remember_device_days, ${MAX_REMEMBER_DEVICE_DAYS}) * interval '1 day') - app_now()))))::int AS seconds`,
  );
  if (!row) return null;
  return { value: `${row.id}.${next}`, maxAgeSeconds: Number(row.seconds) };
}

export type RevokeReason =
  | "password_changed"
  | "mfa_reset"
  | "recovery_code_used"
  | "factor_removed"
  | "signed_out_everywhere"
  | "ended_by_admin"
  | "reported_not_me"
  | "account_locked"
  | "forgotten_by_user";

/** Revokes this user's remembered browsers (one, with `deviceId`); audited when it ended any. Returns how many. */
export async function revokeRememberedDevices(
  tx: DbOrTx,
  userId: string,
  reason: RevokeReason,
  opts: { deviceId?: string; actorUserId?: string | null; actorLabel?: string; ip?: string | null } = {},
): Promise<number> {
  const ended = await rows<{ id: string }>(
    tx,
    sql`UPDATE remembered_devices SET revoked_at = app_now(), revoke_reason = ${reason}
         WHERE user_id = ${userId} AND revoked_at IS NULL AND expires_at > app_now()
           ${opts.deviceId ? sql`AND id = ${opts.deviceId}` : sql``}
        RETURNING id`,
  );
  if (ended.length) {
    await audit(tx, {
      action: "remembered_device.revoked",
      outcome: "ok",
      subjectUserId: userId,
      actorUserId: opts.actorUserId ?? null,
      actorLabel: opts.actorLabel ?? (opts.actorUserId ? undefined : "system"),
      ip: opts.ip ?? null,
      details: { reason, devices: ended.map((r) => r.id) },
    });
  }
  return ended.length;
}

export type RememberedDevice = { id: string; userAgent: string | null; ip: string | null; createdAt: Date; lastUsedAt: Date | null; expiresAt: Date };

/** The user's remembered browsers still in force, newest first (the security centre). */
export async function listRememberedDevices(db: DbOrTx, userId: string): Promise<RememberedDevice[]> {
  const list = await rows<RememberedDevice>(
    db,
    sql`SELECT r.id, r.user_agent AS "userAgent", r.ip, r.created_at AS "createdAt", r.last_used_at AS "lastUsedAt",
               LEAST(r.expires_at, r.created_at + LEAST(g.remember_device_days, ${MAX_REMEMBER_DEVICE_DAYS}) * interval '1 day') AS "expiresAt"
          FROM remembered_devices r JOIN users u ON u.id = r.user_id JOIN groups g ON g.id = u.group_id
         WHERE r.user_id = ${userId} AND r.revoked_at IS NULL AND r.expires_at > app_now()
           AND r.created_at + LEAST(g.remember_device_days, ${MAX_REMEMBER_DEVICE_DAYS}) * interval '1 day' > app_now()
         ORDER BY r.created_at DESC`,
  );
  return list.map((r) => ({ ...r, createdAt: new Date(r.createdAt), lastUsedAt: r.lastUsedAt ? new Date(r.lastUsedAt) : null, expiresAt: new Date(r.expiresAt) }));
}
