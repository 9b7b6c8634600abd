import type { Metadata } from "next";
import { AuditTable } from "@/components/admin/audit-table";
import { Pager } from "@/components/admin/ui";
import { Alert, Button, ButtonLink, Card, Field, PageHeader, SelectField } from "@/components/ui";
import { AUDIT_PAGE_SIZE, auditFilterSchema, firstValues, listAuditEvents } from "@/lib/admin/audit";
import { fieldErrorsOf } from "@/lib/actions/guard";
import { requireAdmin } from "@/lib/auth/current";
import { getDb } from "@/lib/db";

export const metadata: Metadata = { title: "Audit log" };

export default async function AuditPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requireAdmin();
  const raw = firstValues(await searchParams);
  const parsed = auditFilterSchema.safeParse(raw);
  const errors = parsed.success ? {} : fieldErrorsOf(parsed.error);
  const { events, hasMore } = parsed.success ? await listAuditEvents(await getDb(), parsed.data) : { events: [], hasMore: false };
  const page = parsed.success ? parsed.data.page : 1;
  const filters = { user: raw.user, action: raw.action, outcome: raw.outcome, from: raw.from, to: raw.to };
  const exportQuery = new URLSearchParams(Object.entries(filters).filter((e): e is [string, string] => !!e[1])).toString();

  return (
    <>
      <PageHeader
        title="Audit log"
        subtitle="Every sign-in, MFA answer, lockout, reset and policy change — newest first. Append-only: nothing here can be edited or deleted."
        action={
          parsed.success ? (
            // A plain link: the export is a file from a route handler, not a page to navigate to.
            <a
              href={`/admin/audit/export${exportQuery ? `?${exportQuery}` : ""}`}
              download
              className="inline-flex items-center justify-center rounded-lg border border-line bg-white px-4 py-2.5 text-sm font-semibold text-ink transition hover:bg-brand-50"
            >
              Export CSV
            </a>
          ) : null
        }
      />
      <Card>
        <form method="get" role="search" aria-label="Audit events" className="mb-5 grid gap-x-4 sm:grid-cols-2 lg:grid-cols-6">
          <Field label="User" name="user" defaultValue={raw.user ?? ""} placeholder="username" className="lg:col-span-1" errors={errors.user} />
          <Field label="Action" name="action" defaultValue={raw.action ?? ""} placeholder="e.g. mfa.reset" className="lg:col-span-1" errors={errors.action} />
          <SelectField label="Outcome" name="outcome" defaultValue={raw.outcome ?? ""} errors={errors.outcome}>
            <option value="">any</option>
            <option value="ok">ok</option>
            <option value="failed">failed</option>
            <option value="refused">refused</option>
          </SelectField>
          <Field label="From" name="from" type="date" defaultValue={raw.from ?? ""} errors={errors.from} />
          <Field label="To" name="to" type="date" defaultValue={raw.to ?? ""} errors={errors.to} />
          <div className="flex items-start gap-2 pt-7">
            <Button type="submit">Filter</Button>
            <ButtonLink kind="secondary" href="/admin/audit">
              Clear
            </ButtonLink>
          </div>
        </form>
        {!parsed.success ? (
          <Alert kind="error" className="mb-4">
            Please check the highlighted filters.
          </Alert>
        ) : null}
        <AuditTable events={events} label="Audit events" />
        <Pager
          path="/admin/audit"
          params={filters}
          page={page}
          hasMore={hasMore}
          summary={events.length ? `Events ${(page - 1) * AUDIT_PAGE_SIZE + 1}–${(page - 1) * AUDIT_PAGE_SIZE + events.length}` : undefined}
        />
      </Card>
    </>
  );
}
