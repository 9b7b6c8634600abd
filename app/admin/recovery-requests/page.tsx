import type { Metadata } from "next";
import Link from "next/link";
import { z } from "zod";
import { RequestStatusBadge } from "@/components/admin/recovery-status";
import { Pager, Table, td, th } from "@/components/admin/ui";
import { Alert, Card, formatDate, PageHeader } from "@/components/ui";
import { firstValues } from "@/lib/admin/audit";
import { requireAdmin } from "@/lib/auth/current";
import { getDb } from "@/lib/db";
import { listRecoveryRequests, REQUESTS_PAGE_SIZE } from "@/lib/mfa/recovery-requests";

export const metadata: Metadata = { title: "Recovery requests" };

const filterSchema = z.object({
  status: z.enum(["open", "resolved", "declined", "all"]).catch("open"),
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
});

const FILTERS = [
  { status: "open", label: "Open" },
  { status: "resolved", label: "Resolved" },
  { status: "declined", label: "Declined" },
  { status: "all", label: "All" },
] as const;


export default async function RecoveryRequestsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requireAdmin();
  const filter = filterSchema.parse(firstValues(await searchParams));
  const { requests, total } = await listRecoveryRequests(await getDb(), filter);
  const first = (filter.page - 1) * REQUESTS_PAGE_SIZE;
  return (
    <>
      <PageHeader
        title="Recovery requests"
        subtitle="Customers who proved their password but lost their second step. Check it is really them (call them on the number you hold), then reset their MFA or decline."
      />
      <Card>
        <nav aria-label="Filter requests" className="mb-5 flex flex-wrap gap-2 text-sm">
          {FILTERS.map((f) => (
            <Link
              key={f.status}
              href={f.status === "open" ? "/admin/recovery-requests" : `/admin/recovery-requests?status=${f.status}`}
              aria-current={filter.status === f.status ? "page" : undefined}
              className={
                filter.status === f.status
                  ? "rounded-lg bg-brand-600 px-3 py-1.5 font-medium text-white"
                  : "rounded-lg border border-line bg-white px-3 py-1.5 font-medium hover:bg-brand-50"
              }
            >
              {f.label}
            </Link>
          ))}
        </nav>
        {requests.length === 0 ? (
          <Alert kind="info">{filter.status === "open" ? "No open requests. Nobody is waiting." : "No requests here."}</Alert>
        ) : (
          <Table aria-label="Recovery requests">
            <thead>
              <tr>
                <th className={th} scope="col">Customer</th>
                <th className={th} scope="col">Received</th>
                <th className={th} scope="col">What they wrote</th>
                <th className={th} scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {requests.map((r) => (
                <tr key={r.id} className="hover:bg-brand-50/50">
                  <td className={td}>
                    <Link href={`/admin/recovery-requests/${r.id}`} className="font-medium text-brand-700 underline-offset-4 hover:underline">
                      {r.displayName}
                    </Link>
                    <span className="block font-mono text-xs text-muted">{r.username}</span>
                  </td>
                  <td className={`${td} whitespace-nowrap`}>{formatDate(r.createdAt)}</td>
                  <td className={`${td} max-w-md break-words`}>{r.message.length > 140 ? `${r.message.slice(0, 140)}…` : r.message}</td>
                  <td className={td}>
                    <RequestStatusBadge status={r.status} />
                  </td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
        <Pager
          path="/admin/recovery-requests"
          params={{ status: filter.status === "open" ? undefined : filter.status }}
          page={filter.page}
          hasMore={first + requests.length < total}
          summary={total ? `${first + 1}–${first + requests.length} of ${total}` : undefined}
        />
      </Card>
    </>
  );
}
