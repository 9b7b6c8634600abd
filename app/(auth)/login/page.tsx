import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { ForgetNoticeFlag } from "@/components/auth/forget-notice-flag";
import { LoginForm } from "@/components/auth/login-form";
import Link from "next/link";
import { Alert, Card } from "@/components/ui";
import { claimSessionEndNotice, getCurrentSession, isFullySignedIn } from "@/lib/auth/current";
import { endNotice } from "@/lib/auth/session-end";
import { safeCallbackUrl } from "@/lib/auth/sign-in";

export const metadata: Metadata = { title: "Sign in" };

const FLAGS = ["changed", "signedOut"];

export default async function LoginPage({
  searchParams,
}: {
  searchParams: Promise<{ callbackUrl?: string | string[]; changed?: string; signedOut?: string }>;
}) {
  const { callbackUrl, changed, signedOut } = await searchParams;
  const next = safeCallbackUrl(Array.isArray(callbackUrl) ? callbackUrl[0] : callbackUrl);
  const session = await getCurrentSession();
  if (session && isFullySignedIn(session)) redirect(next);
  // Why this browser's session ended, told once (lib/auth/session-end.ts). Sign-out and a
  // password change delete the cookie, so their own response carries the notice as a flag.
  const ended = session || changed ? null : await claimSessionEndNotice();
  const notice = ended ?? (signedOut ? endNotice("signed_out") : null);
  // With JavaScript the form turns into the second step in place; intro and footer belong to
  // the password step only.
  return (
    <Card>
      <LoginForm
        callbackUrl={next}
        intro={
          <>
            <h1 className="text-xl font-semibold">Sign in to MFA Bank</h1>
            {/* True for every group's policy (groups.mfa_required): retail and staff must have a second step, commercial may. */}
            <p className="mb-6 mt-1 text-sm text-muted">
              Your password first, then your second step if you have one. If your account needs one and you haven&apos;t set it up yet,
              we&apos;ll help you do that next.
            </p>
            {changed ? (
              <Alert kind="ok" className="mb-4">
                Your password was changed and every session was signed out. Sign in with your new password.
              </Alert>
            ) : notice ? (
              <Alert kind="info" className="mb-4" id="session-ended">
                {notice}
              </Alert>
            ) : null}
            {changed || signedOut ? <ForgetNoticeFlag names={FLAGS} /> : null}
          </>
        }
        footer={
          <p className="mt-6 text-center text-sm">
            <Link href="/forgot-password" className="text-brand-600 underline underline-offset-4">
              Forgot your password?
            </Link>
          </p>
        }
      />
    </Card>
  );
}
