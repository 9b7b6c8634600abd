import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { Alert, Card, cx, formatDate, PageHeader } from "@/components/ui";
import { getDb } from "@/lib/db";
import { outboxMailTo, outboxRecipients } from "@/lib/mail/outbox";
import { getEnv } from "@/lib/env";

export const metadata: Metadata = { title: "Demo mailbox", referrer: "no-referrer" };

/**
 * The demo mailbox: every mail the app queued, by recipient, so a demo or an e2e test can open
 * a reset link. It shows everyone's mail to anyone — so it does not exist in production
 * (APP_ENV=production) unless MOCK_MAILBOX_ENABLED=1.
 */
export default async function MailboxPage({ searchParams }: { searchParams: Promise<{ to?: string | string[] }> }) {
  if (!getEnv().mockMailboxEnabled) notFound();
  const { to } = await searchParams;
  // PostgreSQL text cannot hold NUL: such a query would fail (found by the fuzz suite).
  const selected = typeof to === "string" && !to.includes("\0") ? to.slice(0, 254) : undefined;
  const db = await getDb();
  const recipients = await outboxRecipients(db);
  const messages = selected ? await outboxMailTo(db, selected) : [];
  return (
    <main id="main" tabIndex={-1} className="outline-none mx-auto max-w-5xl px-4 py-8">
      <PageHeader title="Demo mailbox" subtitle="Part of the mock provider: the mail MFA Bank sent, as the recipient would see it." />
      <Alert kind="warn" className="mb-6">
        For demos and tests only. It shows everyone&apos;s mail to anyone, so it is switched off when APP_ENV=production
        unless MOCK_MAILBOX_ENABLED=1.
      </Alert>
      <div className="grid grid-cols-1 gap-6 md:grid-cols-[16rem_minmax(0,1fr)]">
        <Card className="p-3 sm:p-3">
          <h2 className="px-2 py-1 text-sm font-semibold text-muted">Recipients</h2>
          <ul aria-label="Recipients">
            {recipients.map((r) => (
              <li key={r.to}>
                <Link
                  href={`/mock-provider/mailbox?to=${encodeURIComponent(r.to)}`}
                  // The open mailbox, for screen readers too (not only the highlight).
                  aria-current={r.to === selected ? "page" : undefined}
                  className={cx("block rounded-lg px-2 py-1.5 text-sm hover:bg-brand-50", r.to === selected && "bg-brand-50 font-semibold")}
                >
                  {r.to} <span className="text-muted">({r.n})</span>
                </Link>
              </li>
            ))}
          </ul>
        </Card>
        <div className="space-y-4">
          {!selected ? <p className="text-sm text-muted">Choose a recipient.</p> : null}
          {selected && messages.length === 0 ? <p className="text-sm text-muted">No mail for {selected}.</p> : null}
          {messages.map((m) => (
            <Card key={m.id}>
              <article aria-label={m.subject}>
                <h2 className="font-semibold">{m.subject}</h2>
                <p className="text-xs text-muted">{formatDate(m.createdAt)}</p>
                <p className="mt-3 whitespace-pre-wrap break-words text-sm">{linkify(m.body)}</p>
              </article>
            </Card>
          ))}
        </div>
      </div>
    </main>
  );
}

function linkify(text: string) {
  return text.split(/(https?:\/\/\S+)/g).map((part, i) =>
    /^https?:\/\//.test(part) ? (
      <a key={i} href={part} className="text-brand-600 underline" rel="noreferrer">
        {part}
      </a>
    ) : (
      part
    ),
  );
}
