import type { Metadata } from "next";
import { MailLinkForm, MailLinkProblem } from "@/components/auth/mail-link";
import { Card, formatDate } from "@/components/ui";
import { notMeLinkState } from "@/lib/auth/devices";
import { getDb } from "@/lib/db";
import { reportSignInNotMe } from "./actions";
import { NOT_ME_LINK_PROBLEMS } from "./messages";

export const metadata: Metadata = { title: "This wasn't me", referrer: "no-referrer" };

/**
 * The "This wasn't me" link of a new-device mail. Opening it only reads (mail scanners prefetch
 * links); the button acts. The token never leaves this page in a Referer header.
 */
export default async function NotMePage({ searchParams }: { searchParams: Promise<{ token?: string | string[] }> }) {
  const { token } = await searchParams;
  const t = typeof token === "string" ? token : "";
  const link = await notMeLinkState(await getDb(), t);
  return (
    <Card>
      <h1 className="text-xl font-semibold">A sign-in you don&apos;t recognise?</h1>
      {link.state === "valid" ? (
        <>
          <dl className="mt-3 grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
            <dt className="text-muted">Device</dt>
            <dd>{link.device}</dd>
            <dt className="text-muted">IP address</dt>
            <dd className="font-mono text-xs leading-5">{link.ip ?? "unknown"}</dd>
            <dt className="text-muted">Time</dt>
            <dd>{formatDate(link.at!)} (UTC)</dd>
          </dl>
          <p className="mb-6 mt-4 text-sm text-muted">
            If this wasn&apos;t you, press the button. We sign your account out on every device, including this sign-in, and at your next
            sign-in you choose a new password. If it was you, close this page: nothing changes.
          </p>
          <MailLinkForm
            token={t}
            action={reportSignInNotMe}
            danger
            label="This wasn't me: sign me out everywhere"
            pendingLabel="Signing out everywhere…"
            next="Sign in and choose a new password"
          />
        </>
      ) : (
        <MailLinkProblem message={NOT_ME_LINK_PROBLEMS[link.state]} back="Go to sign-in" />
      )}
    </Card>
  );
}
