import type { Metadata } from "next";
import Link from "next/link";
import { UnlockForm } from "@/components/auth/unlock-form";
import { Alert, Card } from "@/components/ui";
import { unlockLinkState } from "@/lib/auth/unlock";
import { getDb } from "@/lib/db";
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
          <UnlockForm token={t} />
        </>
      ) : (
        <>
          <Alert kind="error" className="mt-4">
            {UNLOCK_LINK_PROBLEMS[state]}
          </Alert>
          <p className="mt-6 text-center text-sm">
            <Link href="/login" className="text-brand-600 underline underline-offset-4">
              Back to sign-in
            </Link>
          </p>
        </>
      )}
    </Card>
  );
}
