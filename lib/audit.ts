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
 * The one writer of the append-only audit trail (`audit_events`: nothing updates or deletes a
 * row). Always pass the transaction that makes the change, so the event and the change commit
 * together or not at all. An address that is not an IP (a proxy's garbage) is stored as null.
 */
export async function audit(tx: DbOrTx, event: AuditInput): Promise<void> {
  await tx.insert(auditEvents).values({
    action: event.action,
    outcome: event.outcome,
    subjectUserId: event.subjectUserId ?? null,
    actorUserId: event.actorUserId ?? null,
    actorLabel: event.actorLabel ?? null,
    sessionId: event.sessionId ?? null,
    ip: event.ip && isIP(event.ip) ? event.ip : null,
    details: event.details ?? {},
  });
}
