import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { NewPasswordForm } from "@/components/auth/new-password-form";
import { Alert, Card } from "@/components/ui";
import { getCurrentSession } from "@/lib/auth/current";
import { findActiveReset } from "@/lib/auth/password-reset";
import { getDb } from "@/lib/db";
import { completeReset } from "../actions";

export const metadata: Metadata = { title: "Choose a new password", referrer: "no-referrer" };

/** Shown only to the session that claimed the link, and only after its MFA (when the user has MFA). */
export default async function ContinueResetPage() {
  const session = await getCurrentSession();
  if (!session || session.mfaState !== "reset") redirect("/login");
  const reset = await findActiveReset(await getDb(), session.id);
  if (!reset) {
    return (
      <Card>
        <h1 className="text-xl font-semibold">This reset has expired</h1>
        <p className="mt-2 text-sm">
          <Link href="/forgot-password" className="text-brand-600 underline">
            Request a new link
          </Link>
        </p>
      </Card>
    );
  }
  if (reset.needsMfa && !reset.mfaPassed) redirect("/mfa");
  return (
    <Card>
      <h1 className="text-xl font-semibold">Choose a new password</h1>
      <p className="mb-6 mt-1 text-sm text-muted">
        For <strong>{session.username}</strong>. Afterwards every session is signed out and you sign in again
        {reset.needsMfa ? ", with your second factor" : ""}.
      </p>
      {reset.locked ? (
        <Alert kind="error">
          This account is locked, so its password cannot be reset yet. Unlock it first with the link in the lock e-mail, or call the bank.
        </Alert>
      ) : (
        <NewPasswordForm action={completeReset} submitLabel="Change password" />
      )}
    </Card>
  );
}
