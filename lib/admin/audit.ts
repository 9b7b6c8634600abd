import "server-only";
import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { normaliseUsername } from "@/lib/auth/sign-in";
import { rows, type DbOrTx } from "@/lib/db";

/**
 * Reading the audit trail (admin page and CSV export). There is no write here beyond what
 * lib/audit.ts appends elsewhere: no edit, no delete, anywhere in the app.
 */

export const AUDIT_PAGE_SIZE = 50;

const isoDate = z
  .string()
  .trim()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "Use a date like 2026-01-31.")
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)), "That date does not exist.")
  .optional();

const blankToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);

export const auditFilterSchema = z
  .object({
    user: z.preprocess(
      blankToUndefined,
      z.string().trim().max(64, "A username has at most 64 characters.").regex(/^[^\0]*$/, "Remove the NUL character.").optional(),
    ),
    action: z.preprocess(
      blankToUndefined,
      z
        .string()
        .trim()
        .max(64, "At most 64 characters.")
        .regex(/^[a-z0-9_.:-]+$/i, "Actions look like mfa.reset or sign_in.password.")
        .optional(),
    ),
    outcome: z.preprocess(blankToUndefined, z.enum(["ok", "failed", "refused"], { error: "Pick ok, failed or refused." }).optional()),
    from: z.preprocess(blankToUndefined, isoDate),
    to: z.preprocess(blankToUndefined, isoDate),
    page: z.preprocess(blankToUndefined, z.coerce.number().int().min(1).max(100_000).default(1)),
  })
  .refine((f) => !f.from || !f.to || f.from <= f.to, { path: ["to"], message: "The end date is before the start date." });

export type AuditFilter = z.infer<typeof auditFilterSchema>;

/** searchParams → first value of each key (a repeated key must not become an array). */
export function firstValues(params: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) {
    const first = Array.isArray(v) ? v[0] : v;
    if (typeof first === "string") out[k] = first;
  }
  return out;
}

export type AuditRow = {
  id: number;
  at: Date;
  action: string;
  outcome: "ok" | "failed" | "refused";
  actor: string | null;
  subject: string | null;
  subjectUserId: string | null;
  ip: string | null;
  sessionId: string | null;
  details: Record<string, unknown>;
};

/** WHERE clause for the filters; null when the user filter names nobody (no rows at all). */
async function whereOf(db: DbOrTx, f: AuditFilter): Promise<SQL | null> {
  const parts: SQL[] = [sql`true`];
  if (f.user) {
    const [u] = await rows<{ id: string }>(db, sql`SELECT id FROM users WHERE username = ${normaliseUsername(f.user)}`);
    if (!u) return null;
    parts.push(sql`(a.subject_user_id = ${u.id} OR a.actor_user_id = ${u.id})`);
  }
  // An action filter matches the action and its sub-actions: "mfa" finds mfa.reset, mfa.verify.
  if (f.action) parts.push(sql`(a.action = ${f.action} OR a.action LIKE ${`${f.action.replace(/[\\%_]/g, (c) => `\\${c}`)}.%`})`);
  if (f.outcome) parts.push(sql`a.outcome = ${f.outcome}`);
  if (f.from) parts.push(sql`a.at >= ${`${f.from}T00:00:00Z`}::timestamptz`);
  if (f.to) parts.push(sql`a.at < ${`${f.to}T00:00:00Z`}::timestamptz + interval '1 day'`);
  return sql.join(parts, sql` AND `);
}

const SELECT = sql`SELECT a.id, a.at, a.at::text AS "atExact", a.action, a.outcome, host(a.ip) AS ip, a.session_id AS "sessionId", a.details,
                          a.subject_user_id AS "subjectUserId",
                          COALESCE(ac.username, a.actor_label) AS actor, s.username AS subject
                     FROM audit_events a
                     LEFT JOIN users ac ON ac.id = a.actor_user_id
                     LEFT JOIN users s ON s.id = a.subject_user_id`;

function toRow({ atExact: _exact, ...r }: Record<string, unknown>): AuditRow {
  void _exact;
  return {
    ...(r as unknown as AuditRow),
    id: Number(r.id),
    at: new Date(r.at as string),
    details: typeof r.details === "string" ? (JSON.parse(r.details) as Record<string, unknown>) : ((r.details ?? {}) as Record<string, unknown>),
  };
}

/** Newest first; `hasMore` says whether an older page exists. */
export async function listAuditEvents(db: DbOrTx, f: AuditFilter): Promise<{ events: AuditRow[]; hasMore: boolean }> {
  const where = await whereOf(db, f);
  if (!where) return { events: [], hasMore: false };
  const list = await rows<Record<string, unknown>>(
    db,
    sql`${SELECT} WHERE ${where} ORDER BY a.at DESC, a.id DESC LIMIT ${AUDIT_PAGE_SIZE + 1} OFFSET ${(f.page - 1) * AUDIT_PAGE_SIZE}`,
  );
  return { events: list.slice(0, AUDIT_PAGE_SIZE).map(toRow), hasMore: list.length > AUDIT_PAGE_SIZE };
}

/** The latest events where the user is subject or actor (user page). */
export async function recentEventsOf(db: DbOrTx, userId: string, limit = 20): Promise<AuditRow[]> {
  const list = await rows<Record<string, unknown>>(
    db,
    sql`${SELECT} WHERE a.subject_user_id = ${userId} OR a.actor_user_id = ${userId} ORDER BY a.at DESC, a.id DESC LIMIT ${limit}`,
  );
  return list.map(toRow);
}

export type SignInHistoryRow = AuditRow & { userAgent: string | null };

/**
 * Sign-ins (password, passkey alone, a remembered browser), second steps, locks and unlocks of one user, newest first: a recovery request's
 * evidence (admin) and the customer's own sign-in history (/security/activity, `days: 30`).
 * Password checks made inside a session (presence, password change) are not sign-ins and are
 * left out. The browser comes from the session the step belongs to: a second step names its
 * pending session; a right password names the session its transaction created (same
 * transaction, so the same app_now()). A refused password created nothing, so its browser is not known.
 */
export async function signInHistoryOf(db: DbOrTx, userId: string, opts: { limit?: number; days?: number } = {}): Promise<SignInHistoryRow[]> {
  const { limit = 20, days } = opts;
  const list = await rows<Record<string, unknown>>(
    db,
    sql`SELECT h.*, COALESCE(ss.user_agent, ps.user_agent) AS "userAgent"
          FROM (${SELECT} WHERE a.subject_user_id = ${userId}
                  AND ((a.action = 'sign_in.password' AND a.session_id IS NULL)
                       OR (a.action = 'mfa.verify' AND a.details->>'purpose' = 'sign_in')
                       -- A passkey alone: its success is the sign_in.passkey row (which names the session), the rest are the attempt's.
                       OR (a.action = 'mfa.verify' AND a.details->>'purpose' = 'passwordless' AND a.outcome <> 'ok')
                       OR (a.action = 'sign_in.passkey' AND a.outcome = 'ok')
                       OR a.action = 'sign_in.remembered_device'
                       OR a.action IN ('account.locked', 'account.unlocked', 'account.self_unlock'))
                  ${days ? sql`AND a.at > app_now() - ${days}::int * interval '1 day'` : sql``}
                ORDER BY a.at DESC, a.id DESC LIMIT ${limit}) h
          LEFT JOIN sessions ss ON ss.id = h."sessionId"
          LEFT JOIN LATERAL (
            SELECT p.user_agent FROM sessions p
             WHERE h.action = 'sign_in.password' AND h.outcome = 'ok' AND p.user_id = ${userId} AND p.created_at = h.at
             LIMIT 1) ps ON true
        ORDER BY h.at DESC, h.id DESC`,
  );
  return list.map((r) => ({ ...toRow(r), userAgent: (r.userAgent as string | null) ?? null }));
}

/**
 * Every matching event, newest first, in batches (keyset on at, id — no OFFSET scan), for the
 * CSV export: memory stays flat however long the trail is.
 */
export async function* allAuditEvents(db: DbOrTx, f: AuditFilter, batch = 1000): AsyncGenerator<AuditRow[]> {
  const where = await whereOf(db, f);
  if (!where) return;
  // The cursor keeps the database's exact timestamp text: a JS Date drops the microseconds.
  let cursor: { at: string; id: number } | null = null;
  for (;;) {
    const after: SQL = cursor ? sql`(a.at, a.id) < (${cursor.at}::timestamptz, ${cursor.id}::bigint)` : sql`true`;
    const raw = await rows<Record<string, unknown>>(db, sql`${SELECT} WHERE ${where} AND ${after} ORDER BY a.at DESC, a.id DESC LIMIT ${batch}`);
    if (raw.length) yield raw.map(toRow);
    if (raw.length < batch) return;
    const last = raw[raw.length - 1]!;
    cursor = { at: String(last.atExact), id: Number(last.id) };
  }
}

export const CSV_HEADER = ["id", "at", "action", "outcome", "actor", "subject", "ip", "session_id", "details"];

/**
 * One CSV field (RFC 4180 quoting). A value a spreadsheet would run as a formula (=, +, -, @,
 * tab, CR) gets a leading apostrophe: audit details can hold text an attacker typed.
 */
export function csvField(value: unknown): string {
  let s = value == null ? "" : typeof value === "string" ? value : JSON.stringify(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(r: AuditRow): string {
  return [r.id, r.at.toISOString(), r.action, r.outcome, r.actor, r.subject, r.ip, r.sessionId, r.details].map(csvField).join(",") + "\r\n";
}
