import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { sql } from "drizzle-orm";
import { Alert, Card, cx, formatDate, PageHeader } from "@/components/ui";
import { getDb, rows } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { PushAnswer } from "./push-answer";

export const metadata: Metadata = { title: "Mock device", referrer: "no-referrer" };
export const dynamic = "force-dynamic";

type Push = { id: string; choices: number[]; created_at: string; expires_at: string; address: string };
type Message = { id: string; capability: string; message: string; status: string; created_at: string; expired: boolean };

/**
 * The mock provider's "phone": per user, the pending push requests (number matching: pick the
 * number the bank's screen shows, or Deny) and the codes it delivered by SMS, voice or e-mail.
 * Everyone's device is visible to anyone, so it does not exist in production unless
 * MOCK_PROVIDER_ENABLED=1.
 */
export default async function DevicePage({ searchParams }: { searchParams: Promise<{ user?: string | string[] }> }) {
  if (!getEnv().mockProviderEnabled) notFound();
  const { user } = await searchParams;
  // PostgreSQL text cannot hold NUL: such a query would fail (found by the fuzz suite).
  const selected = typeof user === "string" && !user.includes("\0") ? user.slice(0, 254) : undefined;
  const db = await getDb();
  const users = await rows<{ unique_name: string; display_name: string; pending: number }>(
    db,
    sql`SELECT u.unique_name, u.display_name,
               (SELECT count(*)::int FROM mock_provider_transactions t
                 WHERE t.user_id = u.id AND t.status = 'PENDING' AND t.expires_at > now()) AS pending
          FROM mock_provider_users u
         ORDER BY (u.unique_name LIKE 'e2e-%'), u.unique_name LIMIT 200`,
  );
  const pushes = selected
    ? await rows<Push>(
        db,
        sql`SELECT t.id, t.choices, t.created_at, t.expires_at, g.address
              FROM mock_provider_transactions t
              JOIN mock_provider_users u ON u.id = t.user_id
              JOIN mock_provider_targets g ON g.id = t.target_id
             WHERE u.unique_name = ${selected} AND t.capability = 'mobile_push' AND t.status = 'PENDING' AND t.expires_at > now()
             ORDER BY t.created_at DESC`,
      )
    : [];
  const messages = selected
    ? await rows<Message>(
        db,
        sql`SELECT t.id, t.capability, t.message, t.status, t.created_at, (t.expires_at <= now()) AS expired
              FROM mock_provider_transactions t JOIN mock_provider_users u ON u.id = t.user_id
             WHERE u.unique_name = ${selected} AND t.message IS NOT NULL
             ORDER BY t.created_at DESC LIMIT 20`,
      )
    : [];
  return (
    <main id="main" tabIndex={-1} className="outline-none mx-auto max-w-5xl px-4 py-8">
      <PageHeader
        title="Mock device"
        subtitle="Part of the mock MFA provider: the phone and inbox of each enrolled user — push requests to approve and the codes it delivered."
        action={selected ? <Link href={`/mock-provider/device?user=${encodeURIComponent(selected)}`} className="text-sm text-brand-600 underline">Refresh</Link> : null}
      />
      <Alert kind="warn" className="mb-6">
        For demos and tests only. Anyone can answer anyone&apos;s push here, so it is switched off when APP_ENV=production unless
        MOCK_PROVIDER_ENABLED=1.
      </Alert>
      <div className="grid grid-cols-1 gap-6 md:grid-cols-[16rem_minmax(0,1fr)]">
        <Card className="p-3 sm:p-3">
          <h2 className="px-2 py-1 text-sm font-semibold text-muted">Enrolled users</h2>
          <ul aria-label="Enrolled users">
            {users.map((u) => (
              <li key={u.unique_name}>
                <Link
                  href={`/mock-provider/device?user=${encodeURIComponent(u.unique_name)}`}
                  className={cx("block truncate rounded-lg px-2 py-1.5 text-sm hover:bg-brand-50", u.unique_name === selected && "bg-brand-50 font-semibold")}
                >
                  {u.unique_name} {u.pending ? <span className="text-warn">({u.pending} pending)</span> : null}
                </Link>
              </li>
            ))}
          </ul>
        </Card>
        <div className="space-y-6">
          {!selected ? <p className="text-sm text-muted">Choose a user.</p> : null}
          {selected ? (
            <section aria-labelledby="pushes-title" className="space-y-3">
              <h2 id="pushes-title" className="font-semibold">Push requests</h2>
              {pushes.length === 0 ? <p className="text-sm text-muted">No pending push requests.</p> : null}
              {pushes.map((p) => (
                <Card key={p.id}>
                  <article aria-label="Push request" className="space-y-3">
                    <p className="text-sm text-muted">
                      {p.address} · {formatDate(p.created_at)}
                    </p>
                    <p className="font-semibold">Are you signing in to MFA Bank? Tap the number the bank shows you.</p>
                    <PushAnswer transactionId={p.id} choices={p.choices} />
                  </article>
                </Card>
              ))}
            </section>
          ) : null}
          {selected ? (
            <section aria-labelledby="messages-title" className="space-y-3">
              <h2 id="messages-title" className="font-semibold">Delivered codes</h2>
              {messages.length === 0 ? <p className="text-sm text-muted">No codes delivered.</p> : null}
              {messages.map((m) => (
                <Card key={m.id}>
                  <article aria-label="Delivered code" data-status={m.status} className="text-sm">
                    <p className="text-xs text-muted">
                      {formatDate(m.created_at)} · {m.status === "PENDING" && m.expired ? "expired" : m.status.toLowerCase()}
                    </p>
                    <p className="mt-1" data-testid="delivered-message">{m.message}</p>
                  </article>
                </Card>
              ))}
            </section>
          ) : null}
        </div>
      </div>
    </main>
  );
}
