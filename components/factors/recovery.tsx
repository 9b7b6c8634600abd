"use client";

import { useState } from "react";
import { Alert, Button } from "@/components/ui";
import { CodeInput } from "./code-input";
import type { FactorComponentProps } from "./types";

export function RecoveryVerify({ submitting, submissionError, onSubmit, formAction, hiddenFields }: FactorComponentProps) {
  return (
    <form action={formAction ?? onSubmit} className="space-y-4" noValidate>
      {hiddenFields}
      <CodeInput label="Recovery code" numeric={false} error={submissionError} />
      <p className="text-xs text-muted">Each code works once. Dashes and spaces are optional.</p>
      <Button type="submit" className="w-full" disabled={submitting}>
        {submitting ? "Checking…" : "Use recovery code"}
      </Button>
    </form>
  );
}

type RegisterData = { remaining: number; codes?: string[] };

/** Generates (and voids) codes; new codes are shown once, with copy and download. */
export function RecoveryRegister({ data, submitting, submissionError, onSubmit, readOnly }: FactorComponentProps) {
  const d = data as RegisterData;
  const [copied, setCopied] = useState(false);
  if (d.codes?.length) {
    const text = `MFA Bank recovery codes (each works once)\n\n${d.codes.join("\n")}\n`;
    return (
      <div className="space-y-4">
        <Alert kind="warn">Save these codes now. They will not be shown again; the old ones no longer work.</Alert>
        <ul aria-label="Your new recovery codes" className="grid grid-cols-1 gap-2 font-mono text-sm min-[420px]:grid-cols-2">
          {d.codes.map((c) => (
            <li key={c} className="whitespace-nowrap rounded bg-brand-50 px-2 py-1 text-center">
              {c}
            </li>
          ))}
        </ul>
        <div className="flex flex-wrap gap-2">
          <Button
            type="button"
            kind="secondary"
            onClick={() => navigator.clipboard?.writeText(text).then(() => setCopied(true))}
          >
            {copied ? "Copied" : "Copy"}
          </Button>
          <a
            className="inline-flex items-center rounded-lg border border-line bg-white px-4 py-2.5 text-sm font-semibold hover:bg-brand-50"
            href={`data:text/plain;charset=utf-8,${encodeURIComponent(text)}`}
            download="mfa-bank-recovery-codes.txt"
          >
            Download .txt
          </a>
        </div>
      </div>
    );
  }
  return (
    <form action={onSubmit} className="space-y-3">
      <p className="text-sm">
        <span data-testid="recovery-remaining">{d.remaining}</span> unused recovery code{d.remaining === 1 ? "" : "s"}.
      </p>
      {d.remaining <= 3 ? (
        <Alert kind="warn">
          {d.remaining === 0 ? "You have no recovery codes." : "You are running low on recovery codes."}{" "}
          {readOnly ? "Confirm it's you above, then generate new ones and keep them somewhere safe." : "Generate new ones and keep them somewhere safe."}
        </Alert>
      ) : null}
      {submissionError ? <Alert kind="error">{submissionError}</Alert> : null}
      {readOnly ? null : (
        <Button type="submit" kind={d.remaining > 3 ? "secondary" : "primary"} disabled={submitting}>
          {d.remaining > 0 ? "Generate new codes" : "Generate recovery codes"}
        </Button>
      )}
    </form>
  );
}
