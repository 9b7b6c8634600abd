import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { MfaPanel } from "@/components/mfa/mfa-panel";
import { SignOutButton } from "@/components/sign-out-button";
import { Card } from "@/components/ui";
import { factorUser, getCurrentSession } from "@/lib/auth/current";
import { safeCallbackUrl } from "@/lib/auth/sign-in";
import { getDb } from "@/lib/db";
import { openChallenge } from "@/lib/mfa/challenges";
import { recoveryFactor } from "@/lib/mfa/factors/recovery";
import { offeredFactors, verifyOffers } from "@/lib/mfa/registry";
import { findActiveReset } from "@/lib/auth/password-reset";
import { verifyReset } from "../reset-password/actions";
import { verifySignIn } from "./actions";

export const metadata: Metadata = { title: "Verify it's you" };

type Search = Promise<{ callbackUrl?: string | string[]; factor?: string | string[] }>;

/** The escalation page: a pending session reaches this, enrolment and sign-out — nothing else. */
export default async function MfaPage({ searchParams }: { searchParams: Search }) {
  const params = await searchParams;
  const callbackUrl = safeCallbackUrl(Array.isArray(params.callbackUrl) ? params.callbackUrl[0] : params.callbackUrl);
  const session = await getCurrentSession();
  if (!session) redirect("/login");
  if (session.mfaState === "enrol") redirect(`/mfa/enrol?callbackUrl=${encodeURIComponent(callbackUrl)}`);
  if (session.mfaState !== "pending" && session.mfaState !== "reset") redirect(callbackUrl);

  const db = await getDb();
  const user = factorUser(session);
  // The same page and factors serve the password reset (Totara), with a challenge of its own purpose.
  const resetting = session.mfaState === "reset";
  const reset = resetting ? await findActiveReset(db, session.id) : null;
  if (resetting && (!reset || !reset.needsMfa || reset.mfaPassed)) redirect("/reset-password/continue");
  const [challenge, offered] = await Promise.all([
    reset
      ? openChallenge(db, { sessionId: session.id, userId: session.userId, purpose: "password_reset", context: { resetId: reset.id }, key: reset.id })
      : openChallenge(db, { sessionId: session.id, userId: session.userId, purpose: "sign_in", context: { callbackUrl } }),
    offeredFactors(db, user, resetting ? "password_reset" : "sign_in"),
  ]);
  const { usable: factors, unavailable } = offered;
  const hasRecoveryCodes = factors.some((f) => f.id === recoveryFactor.id);
  const unavailableNotice = unavailable.length
    ? `${[...new Set(unavailable.map((f) => f.name))].join(", ")}: this method is unavailable at the moment. ` +
      (hasRecoveryCodes ? "Use a recovery code, or ask the bank to reset your two-step verification below." : "Ask the bank to reset your two-step verification below.")
    : undefined;
  const panelFactors = await verifyOffers(db, user, factors, challenge);
  const here = (extra: string) => `/mfa?${extra}&callbackUrl=${encodeURIComponent(callbackUrl)}`;
  return (
    <Card>
      <h1 className="text-xl font-semibold">Verify it&apos;s you</h1>
      <p className="mb-6 mt-1 text-sm text-muted">
        {resetting ? (
          <>
            To reset the password of <strong>{session.username}</strong>, complete the second step first.
          </>
        ) : (
          <>
            Your password was right. To finish signing in as <strong>{session.username}</strong>, complete the second step.
          </>
        )}
      </p>
      <MfaPanel
        challengeId={challenge.id}
        factors={panelFactors}
        action={resetting ? verifyReset : verifySignIn}
        initialFactor={typeof params.factor === "string" ? params.factor : undefined}
        unavailableNotice={unavailableNotice}
      />
      {resetting ? (
        <div className="mt-6 flex items-center justify-between gap-4 border-t border-line pt-4 text-sm text-muted">
          <span>Not you, or no access to your device?</span>
          <SignOutButton />
        </div>
      ) : (
        // Only a session that proved the password gets here (ASVS 5.0 6.4: recovery without the factor).
        <section aria-labelledby="lost-access" className="mt-6 space-y-3 border-t border-line pt-4 text-sm">
          <h2 id="lost-access" className="font-semibold">
            Lost access to your authenticator?
          </h2>
          <ul className="list-disc space-y-1 pl-5 text-muted">
            {hasRecoveryCodes ? (
              <li>
                <Link href={here(`factor=${recoveryFactor.id}`)} className="text-brand-700 underline-offset-4 hover:underline">
                  Use a recovery code
                </Link>{" "}
                from the list you saved when you set up two-step verification.
              </li>
            ) : null}
            <li>
              <Link href="/mfa/recovery-request" className="text-brand-700 underline-offset-4 hover:underline">
                Ask the bank to reset my two-step verification
              </Link>
              . The bank checks it is really you, then you set it up again.
            </li>
          </ul>
          <div className="flex items-center justify-between gap-4 pt-2 text-muted">
            <span>Not you?</span>
            <SignOutButton />
          </div>
        </section>
      )}
    </Card>
  );
}
