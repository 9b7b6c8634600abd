import type { Metadata } from "next";
import Link from "next/link";
import { ForgotPasswordForm } from "@/components/auth/forgot-password-form";
import { Card } from "@/components/ui";

export const metadata: Metadata = { title: "Forgot password" };

export default function ForgotPasswordPage() {
  return (
    <Card>
      <h1 className="text-xl font-semibold">Forgot your password?</h1>
      <p className="mb-6 mt-1 text-sm text-muted">
        We will mail you a link. If you use two-step verification, we will ask for it before you choose a new password.
      </p>
      <ForgotPasswordForm />
      <p className="mt-6 text-center text-sm">
        <Link href="/login" className="text-brand-600 underline underline-offset-4">
          Back to sign in
        </Link>
      </p>
    </Card>
  );
}
