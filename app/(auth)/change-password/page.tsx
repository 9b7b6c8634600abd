import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { NewPasswordForm } from "@/components/auth/new-password-form";
import { SignOutButton } from "@/components/sign-out-button";
import { Card } from "@/components/ui";
import { requireSignedIn } from "@/lib/auth/current";
import { changeRequiredPassword } from "./actions";

export const metadata: Metadata = { title: "Choose a new password" };

/** Where requireUser sends a session that owes a new password (after "This wasn't me"). */
export default async function ChangePasswordPage() {
  const session = await requireSignedIn();
  if (!session.mustChangePassword) redirect("/dashboard");
  return (
    <Card>
      <h1 className="text-xl font-semibold">Choose a new password</h1>
      <p className="mb-6 mt-1 text-sm text-muted">
        A sign-in to your account was reported as not you, so we signed you out everywhere. Choose a new password before you continue: whoever
        signed in may know the old one. Afterwards you sign in again with the new password.
      </p>
      <NewPasswordForm action={changeRequiredPassword} submitLabel="Change password" />
      <div className="mt-6 flex flex-wrap items-center gap-3 border-t border-line pt-4 text-sm text-muted">
        <span>Not now? Nothing else can be done until the password is changed.</span>
        <SignOutButton />
      </div>
    </Card>
  );
}
