"use client";

import { startAuthentication, startRegistration } from "@simplewebauthn/browser";
import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { Alert, Button, Field } from "@/components/ui";
import type { PasskeyRegisterData, PasskeyVerifyData } from "@/lib/mfa/factors/passkey";
import { ceremonyProblem } from "./passkey-problem";
import type { FactorComponentProps } from "./types";

/**
 * One ceremony's state: the browser's own problem (cancelled, unsupported) or the server's
 * answer, whichever is newer; a server refusal reloads the page data, which brings a fresh
 * challenge (an expired one cannot be used again).
 */
function useCeremony(submissionError: string | undefined, registering: boolean) {
  const [problem, setProblem] = useState<string>();
  const router = useRouter();
  useEffect(() => {
    if (submissionError) router.refresh();
  }, [submissionError, router]);
  const run = async (ceremony: () => Promise<void>) => {
    setProblem(undefined);
    try {
      await ceremony();
    } catch (err) {
      setProblem(ceremonyProblem(err, registering ? "register" : "verify"));
    }
  };
  const error = problem ?? submissionError;
  return { run, alert: error ? <Alert kind="error">{error}</Alert> : null };
}

/**
 * The options come with the page (built on the server for this challenge), so the ceremony
 * starts straight from the click: Safari refuses one that starts after an awaited fetch.
 */
export function PasskeyVerify({ data, submitting, submissionError, onSubmit }: FactorComponentProps) {
  const { optionsJSON } = data as PasskeyVerifyData;
  const { run, alert } = useCeremony(submissionError, false);
  const start = () =>
    run(async () => {
      const response = await startAuthentication({ optionsJSON });
      const form = new FormData();
      form.set("response", JSON.stringify(response));
      onSubmit(form);
    });
  return (
    <div className="space-y-4">
      {alert}
      <p className="text-sm text-muted">Your browser will ask you to unlock your passkey with your fingerprint, face, PIN or security key.</p>
      <Button type="button" className="w-full" disabled={submitting} onClick={start}>
        {submitting ? "Checking…" : "Use a passkey"}
      </Button>
    </div>
  );
}

export function PasskeyRegister({ data, submitting, submissionError, onSubmit, readOnly }: FactorComponentProps) {
  const { optionsJSON } = data as PasskeyRegisterData;
  const { run, alert } = useCeremony(submissionError, true);
  if (readOnly) return null;
  const create = (form: FormData) =>
    run(async () => {
      const response = await startRegistration({ optionsJSON });
      form.set("response", JSON.stringify(response));
      onSubmit(form);
    });
  return (
    <form action={create} className="space-y-4" noValidate>
      <p className="text-sm">
        A passkey signs you in with your fingerprint, face or screen lock, or a security key. It only works on this bank&apos;s website, so
        it can&apos;t be phished.
      </p>
      {alert}
      <Field label="Name (optional)" name="name" maxLength={60} placeholder="e.g. Work laptop" autoComplete="off" />
      <Button type="submit" className="w-full" disabled={submitting}>
        {submitting ? "Checking…" : "Create passkey"}
      </Button>
    </form>
  );
}
