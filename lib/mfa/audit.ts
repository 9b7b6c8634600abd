import "server-only";
import { isIP } from "node:net";
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
 * Append-only audit trail. Always pass the transaction that makes the change, so the event and
 * the change commit together or not at all.
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
