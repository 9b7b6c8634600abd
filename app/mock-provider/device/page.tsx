import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { z } from "zod";
import { Alert, Button } from "@/components/ui";
import { getDb } from "@/lib/db";
import { DEMO_USERS } from "@/lib/db/seed";
import { getEnv } from "@/lib/env";
import { enrolledUniqueNames, pendingPushesOf, recentMessagesOf } from "@/mock-provider/device";
import { AuthenticatorApp } from "./authenticator-app";
import { ItemAge, LiveRefresh } from "./live";
import { PushAnswer } from "./push-answer";

export const metadata: Metadata = { title: "Demo phone", referrer: "no-referrer" };
export const dynamic = "force-dynamic";

/** Who owns a demo phone: the bank's and the mock provider's user names, nothing stranger. */
const phoneUserSchema = z
  .string()
  .trim()
  .min(1, "Choose whose phone to open.")
  .max(64, "A user name has at most 64 characters.")
  .regex(/^[A-Za-z0-9._@+-]+$/, "That is not a user name: use only letters, digits and . _ @ + -.");

const CHANNEL: Record<string, string> = { sms_otp: "Messages", voice_otp: "Phone call", email_otp: "Mail" };

/**
 * The demo phone, the mock provider's device grown up: one phone per demo user,
 * chosen from a list — the push requests waiting for that user (number matching: tap the number
 * the bank shows, or Deny), the codes sent to them by SMS, voice or e-mail with their age and
 * expiry, and an authenticator app whose entries live in this browser only. It re-reads itself
 * every two seconds. Anyone can answer anyone's push here, so it exists only where the mock
 * provider does (not with APP_ENV=production unless MOCK_PROVIDER_ENABLED=1).
 */
export default async function DemoPhonePage({ searchParams }: { searchParams: Promise<{ user?: string | string[] }> }) {
  if (!getEnv().mockProviderEnabled) notFound();
  const { user } = await searchParams;
  const asked = typeof user === "string" && user !== "" ? phoneUserSchema.safeParse(user) : null;
  const selected = asked?.success ? asked.data : undefined;
  const db = await getDb();
  // Who has a phone: the seeded demo users, then everyone enrolled at the mock provider.
  const enrolled = await enrolledUniqueNames(db);
  const owners = [...new Set([...DEMO_USERS.map((u) => u.username), ...enrolled])];
  if (selected && !owners.includes(selected)) owners.unshift(selected);
  // Only the chosen user's own items: pushes still waiting, and codes of the last 15 minutes.
  const pushes = selected ? await pendingPushesOf(db, selected) : [];
  const messages = selected ? await recentMessagesOf(db, selected) : [];
  const prefill = DEMO_USERS.find((u) => u.username === selected)?.totpSecret ?? null;
  const known = selected ? enrolled.includes(selected) : false;

  return (
    <main id="main" tabIndex={-1} className="outline-none mx-auto max-w-md sm:px-4 sm:py-8">
      {selected ? <LiveRefresh /> : null}
      <div className="min-h-screen bg-canvas sm:min-h-0 sm:rounded-[2.5rem] sm:border-8 sm:border-ink sm:shadow-xl">
        <header className="flex items-center justify-between gap-2 bg-ink px-4 py-3 text-white sm:rounded-t-[1.9rem]">
          <h1 className="text-lg font-semibold">Demo phone{selected ? <span className="font-normal"> · {selected}</span> : null}</h1>
          <span className="text-xs opacity-80">{selected ? "live" : ""}</span>
        </header>
        <div className="space-y-5 px-4 py-4">
          <form method="get" className="flex items-end gap-2" aria-label="Choose a phone">
            <label className="flex-1 text-sm font-medium">
              Whose phone
              <select name="user" defaultValue={selected ?? ""} className="mt-1 block w-full rounded-lg border border-line bg-white px-3 py-2">
                <option value="" disabled>
                  Choose a user
                </option>
                {owners.map((o) => (
                  <option key={o} value={o}>
                    {o}
                  </option>
                ))}
              </select>
            </label>
            <Button type="submit" kind="secondary">
              Open
            </Button>
          </form>
          {asked && !asked.success ? <Alert kind="error">{asked.error.issues[0]!.message} Choose a phone from the list.</Alert> : null}
          {!selected && !asked ? (
            <p className="text-sm text-muted">Choose whose phone to hold. The demo users: alice and admin have an authenticator app, carol gets pushes and codes, bob has nothing yet.</p>
          ) : null}
          {selected ? (
            <>
              <section aria-labelledby="pushes-title" className="space-y-3">
                <h2 id="pushes-title" className="font-semibold">Push requests</h2>
                {pushes.length === 0 ? <p className="text-sm text-muted">{known ? "No push waiting." : "Not enrolled at the mock provider: no pushes or codes come to this phone."}</p> : null}
                {pushes.map((p) => (
                  <article key={p.id} aria-label="Push request" className="space-y-3 rounded-xl border-2 border-brand-600 bg-white p-4 shadow-sm">
                    <p className="text-xs text-muted">
                      MFA Bank · {p.address} · <ItemAge createdAt={p.created_at} expiresAt={p.expires_at} status="PENDING" />
                    </p>
                    <p className="font-semibold">Are you signing in to MFA Bank? Tap the number the bank shows you.</p>
                    <PushAnswer transactionId={p.id} choices={p.choices} />
                  </article>
                ))}
              </section>
              {known ? (
                <section aria-labelledby="messages-title" className="space-y-3">
                  <h2 id="messages-title" className="font-semibold">Codes received</h2>
                  {messages.length === 0 ? <p className="text-sm text-muted">No codes in the last 15 minutes.</p> : null}
                  {messages.map((m) => (
                    <article key={m.id} aria-label="Delivered code" data-status={m.status} className="rounded-xl border border-line bg-white px-4 py-3 text-sm">
                      <p className="text-xs text-muted">
                        {CHANNEL[m.capability] ?? m.capability} · <ItemAge createdAt={m.created_at} expiresAt={m.expires_at} status={m.status} />
                      </p>
                      <p className="mt-1" data-testid="delivered-message">{m.message}</p>
                    </article>
                  ))}
                </section>
              ) : null}
              <AuthenticatorApp key={selected} owner={selected} prefill={prefill} />
            </>
          ) : null}
          <p className="border-t border-line pt-3 text-xs text-muted">
            For demos and tests only: anyone can answer anyone&apos;s push here, so this page is off with APP_ENV=production unless MOCK_PROVIDER_ENABLED=1.
          </p>
        </div>
      </div>
    </main>
  );
}
