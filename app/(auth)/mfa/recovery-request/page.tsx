import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { RecoveryRequestForm } from "@/components/auth/recovery-request-form";
import { SignOutButton } from "@/components/sign-out-button";
import { Alert, Card, formatDate } from "@/components/ui";
import { getCurrentSession } from "@/lib/auth/current";
import { getDb } from "@/lib/db";
import { openRequestOf } from "@/lib/mfa/recovery-requests";

export const metadata: Metadata = { title: "Ask the bank to reset two-step verification" };

/** Reached from /mfa: only a session that proved the password (pending) may ask. */
export default async function RecoveryRequestPage() {
  const session = await getCurrentSession();
  if (!session) redirect("/login");
  if (session.mfaState !== "pending") redirect("/mfa");
  const open = await openRequestOf(await getDb(), session.userId);
  return (
    <Card>
      <h1 className="text-xl font-semibold">Ask the bank to reset two-step verification</h1>
      {open ? (
        <Alert kind="info" className="mt-4">
          Your request is with the bank (sent {formatDate(open.createdAt)} UTC). We will e-mail you when it is decided, and we may call you
          to check it is really you.
        </Alert>
      ) : (
        <>
          <p className="mb-6 mt-1 text-sm text-muted">
            If you no longer have your phone, security key or recovery codes, the bank can reset your two-step verification. Someone at
            the bank checks it is really you, usually by phone. Afterwards you sign in with your password and set it up again. Sending
            this request does not give anyone access to your account.
          </p>
          <RecoveryRequestForm />
        </>
      )}
      <div className="mt-6 flex items-center justify-between gap-4 border-t border-line pt-4 text-sm text-muted">
        <Link href="/mfa" className="text-brand-700 underline underline-offset-4">
          Back to verification
        </Link>
        <SignOutButton />
      </div>
    </Card>
  );
}
