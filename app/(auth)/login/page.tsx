import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { LoginForm } from "@/components/auth/login-form";
import Link from "next/link";
import { Alert, Card } from "@/components/ui";
import { getCurrentSession, isFullySignedIn } from "@/lib/auth/current";
import { safeCallbackUrl } from "@/lib/auth/sign-in";

export const metadata: Metadata = { title: "Sign in" };

export default async function LoginPage({
  searchParams,
}: {
  searchParams: Promise<{ callbackUrl?: string | string[]; changed?: string }>;
}) {
  const { callbackUrl, changed } = await searchParams;
  const next = safeCallbackUrl(Array.isArray(callbackUrl) ? callbackUrl[0] : callbackUrl);
  const session = await getCurrentSession();
  if (session && isFullySignedIn(session)) redirect(next);
  return (
    <Card>
      <h1 className="text-xl font-semibold">Sign in to MFA Bank</h1>
      <p className="mb-6 mt-1 text-sm text-muted">Your password first; then, if you have set one up, your second factor.</p>
      {changed ? (
        <Alert kind="ok" className="mb-4">
          Your password was changed and every session was signed out. Sign in with your new password.
        </Alert>
      ) : null}
      <LoginForm callbackUrl={next} />
      <p className="mt-6 text-center text-sm">
        <Link href="/forgot-password" className="text-brand-600 hover:underline">
          Forgot your password?
        </Link>
      </p>
    </Card>
  );
}
