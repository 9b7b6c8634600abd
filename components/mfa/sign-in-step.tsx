"use client";

import Link from "next/link";
import { useEffect, useRef } from "react";
import { verifySignIn } from "@/app/(auth)/mfa/actions";
import { verifyReset } from "@/app/(auth)/reset-password/actions";
import { SignOutButton } from "@/components/sign-out-button";
import { SIGN_IN_ENDPOINTS } from "@/lib/http/script-call";
import type { SignInStepProps } from "@/lib/mfa/sign-in-step";
import { MfaPanel } from "./mfa-panel";

/**
 * The second step of a sign-in (or of a password reset): the /mfa page's body, and what the
 * login form turns into in place after a right password — one component, so both
 * say and offer the same. `moveFocus` puts focus on the heading when the step replaces the
 * password form, so a screen reader announces the new step (WCAG 2.2 2.4.3).
 */
export function SignInStep({ step, initialFactor, moveFocus = false }: { step: SignInStepProps; initialFactor?: string; moveFocus?: boolean }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (moveFocus) heading.current?.focus();
  }, [moveFocus]);
  const resetting = step.purpose === "password_reset";
  const here = (extra: string) => `/mfa?${extra}&callbackUrl=${encodeURIComponent(step.callbackUrl)}`;
  return (
    <>
      <h1 ref={heading} tabIndex={-1} className="text-xl font-semibold outline-none">
        Verify it&apos;s you
      </h1>
      <p className="mb-6 mt-1 text-sm text-muted">
        {resetting ? (
          <>
            To reset the password of <strong>{step.username}</strong>, complete the second step first.
          </>
        ) : (
          <>
            Your password was right. To finish signing in as <strong>{step.username}</strong>, complete the second step.
          </>
        )}
      </p>
      <MfaPanel
        challengeId={step.challengeId}
        factors={step.factors}
        action={resetting ? verifyReset : verifySignIn}
        endpoint={resetting ? undefined : SIGN_IN_ENDPOINTS.answer}
        initialFactor={initialFactor}
        unavailableNotice={step.unavailableNotice}
        rememberDays={resetting ? 0 : step.rememberDays}
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
            {step.hasRecoveryCodes ? (
              <li>
                <Link href={here("factor=recovery")} className="text-brand-700 underline underline-offset-4">
                  Use a recovery code
                </Link>{" "}
                from the list you saved when you set up two-step verification.
              </li>
            ) : null}
            <li>
              <Link href="/mfa/recovery-request" className="text-brand-700 underline underline-offset-4">
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
    </>
  );
}
