import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { SignInStep } from "@/components/mfa/sign-in-step";
import { Card } from "@/components/ui";
import { factorUser, getCurrentSession } from "@/lib/auth/current";
import { findActiveReset } from "@/lib/auth/password-reset";
import { safeCallbackUrl } from "@/lib/auth/sign-in";
import { getDb } from "@/lib/db";
import { openChallenge } from "@/lib/mfa/challenges";
import { signInStep } from "@/lib/mfa/sign-in-step";

export const metadata: Metadata = { title: "Verify it's you" };

type Search = Promise<{ callbackUrl?: string | string[]; factor?: string | string[] }>;

/**
 * The escalation page: a pending session reaches this, enrolment and sign-out — nothing else.
 * With JavaScript the login form shows the same step in place (components/auth/login-form.tsx);
 * this page serves a reload, a direct visit, a pending session coming back, and browsers
 * without JavaScript.
 */
export default async function MfaPage({ searchParams }: { searchParams: Search }) {
  const params = await searchParams;
  const callbackUrl = safeCallbackUrl(Array.isArray(params.callbackUrl) ? params.callbackUrl[0] : params.callbackUrl);
  const session = await getCurrentSession();
  if (!session) redirect("/login");
  if (session.mfaState === "enrol") redirect(`/mfa/enrol?callbackUrl=${encodeURIComponent(callbackUrl)}`);
  if (session.mfaState !== "pending" && session.mfaState !== "reset") redirect(callbackUrl);

  const db = await getDb();
  // The same page and factors serve the password reset (Totara), with a challenge of its own purpose.
  const resetting = session.mfaState === "reset";
  const reset = resetting ? await findActiveReset(db, session.id) : null;
  if (resetting && (!reset || !reset.needsMfa || reset.mfaPassed)) redirect("/reset-password/continue");
  const challenge = reset
    ? await openChallenge(db, { sessionId: session.id, userId: session.userId, purpose: "password_reset", context: { resetId: reset.id }, key: reset.id })
    : await openChallenge(db, { sessionId: session.id, userId: session.userId, purpose: "sign_in", context: { callbackUrl } });
  const step = await signInStep(db, factorUser(session), challenge, callbackUrl);
  return (
    <Card>
      <SignInStep step={step} initialFactor={typeof params.factor === "string" ? params.factor : undefined} />
    </Card>
  );
}
