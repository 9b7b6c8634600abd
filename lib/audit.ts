import "server-only";
import { isIP } from "node:net";
import { sql, type SQL } from "drizzle-orm";
import type { DbOrTx } from "@/lib/db";
import { auditEvents } from "@/lib/db/schema";

export type AuditInput = {
  action: string;
  outcome: "ok" | "failed" | "refused";
  subjectUserId?: string | null;
  actorUserId?: string | null;
  actorLabel?: string | null;
  sessionId?: string | null;
  ip?: string | null;
  details?: Record<string, unknown>;
};

/**
 * The one writer of the append-only audit trail (`audit_events`: nothing updates or deletes a
 * row). Always pass the transaction that makes the change, so the event and the change commit
 * together or not at all. An address that is not an IP (a proxy's garbage) is stored as null.
 */
export async function audit(tx: DbOrTx, event: AuditInput): Promise<void> {
  await tx.insert(auditEvents).values(auditRow(event));
}

export function auditRow(event: AuditInput) {
  return {
    action: event.action,
    outcome: event.outcome,
    subjectUserId: event.subjectUserId ?? null,
    actorUserId: event.actorUserId ?? null,
    actorLabel: event.actorLabel ?? null,
    sessionId: event.sessionId ?? null,
    ip: event.ip && isIP(event.ip) ? event.ip : null,
    details: event.details ?? {},
  };
}

/**
 * An attempt's success row (lib/mfa/lockout.ts), handed to the success's own write: a statement
 * that can carry it (`startSession`) inserts it with `auditInsert` and sets `written`; otherwise
 * the attempt writes it after. Either way it commits with the change, in the same transaction.
 */
export type PendingAudit = { event: AuditInput; written: boolean };

/**
 * The INSERT of one audit row, for a data-modifying CTE of a statement that makes the change.
 * `when`: a condition on the statement's other parts (the row is inserted only if the change was made).
 */
export function auditInsert(event: AuditInput, when?: SQL): SQL {
  const r = auditRow(event);
  return sql`INSERT INTO audit_events (action, outcome, subject_user_id, actor_user_id, actor_label, session_id, ip, details)
             SELECT ${r.action}, ${r.outcome}, ${r.subjectUserId}::uuid, ${r.actorUserId}::uuid, ${r.actorLabel}, ${r.sessionId}::uuid, ${r.ip}::inet, ${JSON.stringify(r.details)}::jsonb
             ${when ? sql`WHERE ${when}` : sql``}`;
}

/**
 * The INSERT of exactly one audit row chosen by the statement's outcome, for a data-modifying
 * CTE: `pick` is an SQL expression over `from` (one row) that names one of `events`.
 */
export function auditInsertOneOf(pick: SQL, events: Record<string, AuditInput>, from: SQL): SQL {
  const entries = Object.entries(events).map(([key, e]) => [key, auditRow(e)] as const);
  const choose = (value: (r: ReturnType<typeof auditRow>) => SQL) =>
    sql`CASE ${pick} ${sql.join(
      entries.map(([key, r]) => sql`WHEN ${key} THEN ${value(r)}`),
      sql` `,
    )} END`;
  return sql`INSERT INTO audit_events (action, outcome, subject_user_id, actor_user_id, actor_label, session_id, ip, details)
             SELECT ${choose((r) => sql`${r.action}::text`)}, ${choose((r) => sql`${r.outcome}::text`)},
                    ${choose((r) => sql`${r.subjectUserId}::uuid`)}, ${choose((r) => sql`${r.actorUserId}::uuid`)},
                    ${choose((r) => sql`${r.actorLabel}::text`)}, ${choose((r) => sql`${r.sessionId}::uuid`)},
                    ${choose((r) => sql`${r.ip}::inet`)}, ${choose((r) => sql`${JSON.stringify(r.details)}::jsonb`)}
               FROM ${from}`;
}
