import { adminForRoute } from "@/lib/admin/access";
import { allAuditEvents, auditFilterSchema, CSV_HEADER, csvLine } from "@/lib/admin/audit";
import { getDb } from "@/lib/db";
import { audit } from "@/lib/audit";
import { clientIp } from "@/lib/auth/current";

/**
 * CSV export of the audit log with the page's filters. Checks the admin role itself (a route
 * handler is a public endpoint, whatever the layout does), streams in batches, and is itself
 * audited: who took a copy of the trail, with which filters.
 */
export async function GET(request: Request): Promise<Response> {
  const admin = await adminForRoute();
  if (admin instanceof Response) return admin;
  const params = Object.fromEntries(new URL(request.url).searchParams);
  const parsed = auditFilterSchema.safeParse(params);
  if (!parsed.success) {
    return new Response(`Invalid filter: ${parsed.error.issues.map((i) => i.message).join(" ")}\n`, {
      status: 400,
      headers: { "Content-Type": "text/plain; charset=utf-8" },
    });
  }
  const { page: _page, ...filter } = parsed.data;
  void _page;
  const db = await getDb();
  await audit(db, {
    action: "audit.exported",
    outcome: "ok",
    actorUserId: admin.userId,
    actorLabel: admin.username,
    sessionId: admin.id,
    ip: await clientIp(),
    details: { filter },
  });

  const encoder = new TextEncoder();
  const batches = allAuditEvents(db, { ...filter, page: 1 });
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(`${CSV_HEADER.join(",")}\r\n`));
    },
    async pull(controller) {
      try {
        const next = await batches.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(next.value.map(csvLine).join("")));
      } catch (err) {
        console.error("[audit export] failed:", err instanceof Error ? err.message : err);
        controller.error(err);
      }
    },
    async cancel() {
      await batches.return(undefined);
    },
  });
  const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, "-");
  return new Response(body, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="audit-${stamp}.csv"`,
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
}
