"use client";

import { useSearchParams } from "next/navigation";
import { useContext } from "react";
import { Alert } from "@/components/ui";
import { REDIRECT_MESSAGES, StepUpReturn } from "@/components/mfa/step-up-return";
import type { FactorComponentProps } from "./types";

type Data = { providerName: string; challengeId: string; last: string | null };

const LAST: Record<string, string> = {
  pending: "A request is waiting on the provider's page. Go there again to answer it, or start a new one.",
  TIMEOUT: REDIRECT_MESSAGES.timeout!,
  CANCELED: REDIRECT_MESSAGES.canceled!,
  refused: REDIRECT_MESSAGES.refused!,
};

/**
 * A redirect-based provider's factor (lib/mfa/factors/external-redirect.ts): one link out to the
 * provider's page (a plain link, so it works without JavaScript). The bank's callback brings the
 * browser back; on /mfa the outcome arrives as `?redirect=<word>`, in the step-up dialog as
 * `#step-up=<word>` (handled by useStepUpForm).
 */
export function RedirectVerify({ data, factorId }: FactorComponentProps) {
  const d = data as Data;
  const params = useSearchParams();
  const keepForReturn = useContext(StepUpReturn);
  const code = params.get("redirect");
  const said = code && code in REDIRECT_MESSAGES ? REDIRECT_MESSAGES[code] : d.last ? LAST[d.last] : undefined;
  const href = `/mfa/redirect/start?challenge=${encodeURIComponent(d.challengeId)}&factor=${encodeURIComponent(factorId ?? "")}`;
  return (
    <div className="space-y-4">
      {said ? <Alert kind={code === "denied" || code === "refused" || code === "locked" ? "error" : "info"}>{said}</Alert> : null}
      <p className="text-sm">
        You will be taken to <strong>{d.providerName}</strong>, which shows exactly what you are asked to approve. Approve it there, and you
        come straight back here.
      </p>
      <a
        href={href}
        onClick={(e) => {
          if (!keepForReturn) return;
          const returnTo = keepForReturn();
          if (returnTo) e.currentTarget.href = `${href}&returnTo=${encodeURIComponent(returnTo)}`;
        }}
        className="inline-flex w-full items-center justify-center rounded-lg bg-brand-600 px-4 py-2.5 font-semibold text-white shadow-sm hover:bg-brand-700"
      >
        Continue to {d.providerName}
      </a>
    </div>
  );
}

export function RedirectRegister() {
  return <Alert kind="info">This method is set up with the provider, not here.</Alert>;
}
