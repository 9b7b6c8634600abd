import type { Metadata } from "next";
import { ClaimResetForm } from "@/components/auth/claim-reset-form";
import { Card } from "@/components/ui";

export const metadata: Metadata = { title: "Reset password", referrer: "no-referrer" };

/**
 * The link from the mail. Opening it changes nothing (mail scanners prefetch links): the
 * Continue button claims it. The token never leaves this page in a Referer header.
 */
export default async function ResetPasswordPage({ searchParams }: { searchParams: Promise<{ token?: string | string[] }> }) {
  const { token } = await searchParams;
  const t = typeof token === "string" ? token : "";
  return (
    <Card>
      <h1 className="text-xl font-semibold">Reset your password</h1>
      <p className="mb-6 mt-1 text-sm text-muted">
        Continue to choose a new password. If you use two-step verification, we will ask for it first.
      </p>
      <ClaimResetForm token={t} />
    </Card>
  );
}
