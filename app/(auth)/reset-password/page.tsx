import type { Metadata } from "next";
import { ClaimResetForm } from "@/components/auth/claim-reset-form";
import { Alert, ButtonLink, Card } from "@/components/ui";
import { RESET_MINUTES, resetLinkState, type ResetLinkState } from "@/lib/auth/password-reset";
import { getDb } from "@/lib/db";

export const metadata: Metadata = { title: "Reset password", referrer: "no-referrer" };

/** What a customer reads about a link that cannot be used any more, before any click. */
const PROBLEMS: Record<Exclude<ResetLinkState, "valid">, string> = {
  used: "This reset link was already used. Each link works once.",
  expired: `This reset link has expired: links last ${RESET_MINUTES} minutes.`,
  superseded: "A newer reset link replaced this one. Use the link in the newest e-mail.",
  unknown: "This reset link is not valid. Open the link from the e-mail again, exactly as it was sent.",
};

/**
 * The link from the mail. Opening it changes nothing (mail scanners prefetch links): it only
 * reads whether the link can still be used, and says so before any click; the Continue button
 * claims it. The token never leaves this page in a Referer header.
 */
export default async function ResetPasswordPage({ searchParams }: { searchParams: Promise<{ token?: string | string[] }> }) {
  const { token } = await searchParams;
  const t = typeof token === "string" ? token : "";
  const state = await resetLinkState(await getDb(), t);
  return (
    <Card>
      <h1 className="text-xl font-semibold">Reset your password</h1>
      {state === "valid" ? (
        <>
          <p className="mb-6 mt-1 text-sm text-muted">
            Continue to choose a new password. If you use two-step verification, we will ask for it first.
          </p>
          <ClaimResetForm token={t} />
        </>
      ) : (
        <>
          <Alert kind="error" className="mb-6 mt-4">
            {PROBLEMS[state]}
          </Alert>
          <ButtonLink href="/forgot-password" className="w-full">
            Request a new link
          </ButtonLink>
        </>
      )}
    </Card>
  );
}
