import type { Metadata } from "next";
import { MailLinkForm, MailLinkProblem } from "@/components/auth/mail-link";
import { Card } from "@/components/ui";
import { unlockLinkState } from "@/lib/auth/unlock";
import { getDb } from "@/lib/db";
import { unlockAccount } from "./actions";
import { UNLOCK_LINK_PROBLEMS } from "./messages";

export const metadata: Metadata = { title: "Unlock your account", referrer: "no-referrer" };

/**
 * The link from the lock mail. Opening it only reads (mail scanners prefetch links); the button
 * unlocks. The token never leaves this page in a Referer header.
 */
export default async function UnlockPage({ searchParams }: { searchParams: Promise<{ token?: string | string[] }> }) {
  const { token } = await searchParams;
  const t = typeof token === "string" ? token : "";
  const state = await unlockLinkState(await getDb(), t);
  return (
    <Card>
      <h1 className="text-xl font-semibold">Unlock your account</h1>
      {state === "valid" ? (
        <>
          <p className="mb-6 mt-1 text-sm text-muted">
            We locked your account after too many failed attempts. Unlocking it does not sign you in: afterwards you sign in with your
            password and your second step as usual.
          </p>
          <MailLinkForm token={t} action={unlockAccount} label="Unlock my account" pendingLabel="Unlocking…" next="Sign in" />
        </>
      ) : (
        <MailLinkProblem message={UNLOCK_LINK_PROBLEMS[state]} back="Back to sign-in" />
      )}
    </Card>
  );
}
