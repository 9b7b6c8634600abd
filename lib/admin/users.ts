import "server-only";
import { sql } from "drizzle-orm";
import { rows, type DbOrTx } from "@/lib/db";
import { lockRecorded } from "@/lib/mfa/lockout";
import { recoveryFactor } from "@/lib/mfa/factors/recovery";

/**
 * Read models of the admin console. Columns are chosen one by one: a password hash or a
 * sealed factor secret never leaves lib/, even towards an administrator.
 */

export const USERS_PAGE_SIZE = 20;

export type UserListRow = {
  id: string;
  username: string;
  displayName: string;
  groupName: string;
  role: "customer" | "admin";
  factors: string[];
  locked: boolean;
  lastSignInAt: Date | null;
};

/** `%`, `_` and `\` typed into the search box are matched literally. */
export function likePattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export async function listUsers(
  db: DbOrTx,
  opts: { q?: string; locked?: boolean; page: number },
): Promise<{ users: UserListRow[]; total: number }> {
  const q = opts.q?.trim() ? likePattern(opts.q.trim()) : null;
  const where = sql`WHERE (${q}::text IS NULL OR u.username ILIKE ${q} OR u.display_name ILIKE ${q} OR u.email ILIKE ${q})
                      AND (${opts.locked ?? false} = false OR ${lockRecorded("u")})`;
  const [{ total }] = await rows<{ total: number }>(db, sql`SELECT count(*)::int AS total FROM users u ${where}`);
  const list = await rows<UserListRow & { lastSignInAt: string | Date | null }>(
    db,
    sql`SELECT u.id, u.username, u.display_name AS "displayName", g.name AS "groupName", u.role,
               ${lockRecorded("u")} AS locked, u.last_sign_in_at AS "lastSignInAt",
               COALESCE((SELECT json_agg(DISTINCT f.type ORDER BY f.type) FROM factors f
                          WHERE f.user_id = u.id AND f.status = 'active'), '[]'::json) AS factors,
               EXISTS (SELECT 1 FROM recovery_codes r WHERE r.user_id = u.id AND r.used_at IS NULL) AS "hasRecovery"
          FROM users u JOIN groups g ON g.id = u.group_id
          ${where}
         ORDER BY u.username
         LIMIT ${USERS_PAGE_SIZE} OFFSET ${(opts.page - 1) * USERS_PAGE_SIZE}`,
  );
  return {
    total: Number(total),
    users: list.map((u) => {
      const raw = u as unknown as { factors: string[] | string; hasRecovery: boolean };
      const types = typeof raw.factors === "string" ? (JSON.parse(raw.factors) as string[]) : raw.factors;
      return {
        id: u.id,
        username: u.username,
        displayName: u.displayName,
        groupName: u.groupName,
        role: u.role,
        factors: raw.hasRecovery ? [...types, recoveryFactor.id] : types,
        locked: u.locked,
        lastSignInAt: u.lastSignInAt ? new Date(u.lastSignInAt) : null,
      };
    }),
  };
}

export type UserDetail = {
  id: string;
  username: string;
  displayName: string;
  email: string;
  role: "customer" | "admin";
  groupId: string;
  groupName: string;
  mfaRequired: boolean;
  locked: boolean;
  lockedAt: Date | null;
  lockedUntil: Date | null;
  failedAttempts: number;
  lastSignInAt: Date | null;
  createdAt: Date;
};

const date = (v: unknown) => (v == null ? null : new Date(v as string));

export async function getUserDetail(db: DbOrTx, id: string): Promise<UserDetail | null> {
  const [u] = await rows<Record<string, unknown>>(
    db,
    sql`SELECT u.id, u.username, u.display_name AS "displayName", u.email, u.role, u.group_id AS "groupId",
               g.name AS "groupName", g.mfa_required AS "mfaRequired", ${lockRecorded("u")} AS locked,
               u.locked_at AS "lockedAt", u.locked_until AS "lockedUntil", u.failed_attempts AS "failedAttempts",
               u.last_sign_in_at AS "lastSignInAt", u.created_at AS "createdAt"
          FROM users u JOIN groups g ON g.id = u.group_id
         WHERE u.id = ${id}`,
  );
  if (!u) return null;
  return {
    ...(u as unknown as UserDetail),
    failedAttempts: Number(u.failedAttempts),
    lockedAt: date(u.lockedAt),
    lockedUntil: date(u.lockedUntil),
    lastSignInAt: date(u.lastSignInAt),
    createdAt: date(u.createdAt)!,
  };
}

export type FactorRow = { id: string; type: string; label: string; status: string; createdAt: Date; lastUsedAt: Date | null };

/** Type, label, status and dates — never the sealed secret or the replay step. */
export async function listUserFactors(db: DbOrTx, userId: string): Promise<FactorRow[]> {
  const list = await rows<Record<string, unknown>>(
    db,
    sql`SELECT id, type, label, status, created_at AS "createdAt", last_used_at AS "lastUsedAt"
          FROM factors WHERE user_id = ${userId} ORDER BY created_at`,
  );
  return list.map((f) => ({ ...(f as unknown as FactorRow), createdAt: date(f.createdAt)!, lastUsedAt: date(f.lastUsedAt) }));
}

export async function recoveryCodeSummary(db: DbOrTx, userId: string): Promise<{ unused: number; createdAt: Date | null; lastUsedAt: Date | null }> {
  const [r] = await rows<Record<string, unknown>>(
    db,
    sql`SELECT count(*) FILTER (WHERE used_at IS NULL)::int AS unused, min(created_at) AS "createdAt", max(used_at) AS "lastUsedAt"
          FROM recovery_codes WHERE user_id = ${userId}`,
  );
  return { unused: Number(r?.unused ?? 0), createdAt: date(r?.createdAt), lastUsedAt: date(r?.lastUsedAt) };
}

/** The same list the customer's security centre shows (lib/auth/security-centre.ts). */
export { listActiveSessions, type SessionListRow } from "@/lib/auth/security-centre";
