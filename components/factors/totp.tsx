"use client";

import { Fragment } from "react";
import { Button } from "@/components/ui";
import { AddToDemoPhone } from "./add-to-demo-phone";
import { CodeInput } from "./code-input";
import type { FactorComponentProps } from "./types";

export function TotpVerify({ submitting, submissionError, onSubmit, formAction, hiddenFields }: FactorComponentProps) {
  return (
    <form action={formAction ?? onSubmit} className="space-y-4" noValidate>
      {hiddenFields}
      <CodeInput label="6-digit code" error={submissionError} />
      <Button type="submit" className="w-full" disabled={submitting}>
        {submitting ? "Checking…" : "Verify"}
      </Button>
    </form>
  );
}

type RegisterData = { factorId: string; secret: string; uri: string; qrDataUrl: string; demoPhone?: boolean };

export function TotpRegister({ data, submitting, submissionError, onSubmit }: FactorComponentProps) {
  const d = data as RegisterData;
  // Groups of four that never break inside: a line may end between groups only.
  const groups = d.secret.match(/.{1,4}/g) ?? [];
  return (
    <form action={onSubmit} className="space-y-5" noValidate>
      <ol className="list-decimal space-y-4 pl-5 text-sm">
        <li>
          <p>Scan this QR code with your authenticator app.</p>
          {/* eslint-disable-next-line @next/next/no-img-element -- a data: URL made on the server */}
          <img src={d.qrDataUrl} alt="QR code for your authenticator app" width={180} height={180} className="mt-3 rounded-lg border border-line" />
        </li>
        <li>
          <p>Or type this secret key into the app (time-based, SHA-1, 6 digits, 30 seconds):</p>
          <p className="mt-2">
            <span className="sr-only">Secret key: </span>
            <code data-testid="totp-secret" data-secret={d.secret} className="inline-block rounded bg-brand-50 px-2 py-1 font-mono text-sm leading-relaxed">
              {groups.map((g, i) => (
                <Fragment key={i}>
                  {i > 0 ? " " : null}
                  <span className="whitespace-nowrap">{g}</span>
                </Fragment>
              ))}
            </code>
          </p>
          <details className="mt-2 text-xs text-muted">
            <summary className="cursor-pointer">Show the setup link</summary>
            <code className="mt-1 block break-all">{d.uri}</code>
          </details>
          {d.demoPhone ? <AddToDemoPhone uri={d.uri} /> : null}
        </li>
        <li>Enter the code the app shows to finish.</li>
      </ol>
      <input type="hidden" name="factorId" value={d.factorId} />
      <CodeInput label="Code from your app" error={submissionError} />
      <Button type="submit" className="w-full" disabled={submitting}>
        {submitting ? "Checking…" : "Activate"}
      </Button>
    </form>
  );
}
