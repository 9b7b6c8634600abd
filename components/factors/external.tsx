"use client";

import { useEffect, useRef, useState } from "react";
import { Alert, Button, cx } from "@/components/ui";
import { useCountdown, type Deadline } from "@/components/mfa/countdown";
import { isRecord, type ActionState } from "@/lib/actions/state";
import { CodeInput } from "./code-input";
import type { FactorComponentProps } from "./types";

type Target = { id: string; label: string };
type Step =
  | { phase: "select"; targets: Target[] }
  | { phase: "push"; number: number; expiresAt: string; target: string }
  | { phase: "code"; expiresAt: string; target: string };

/** The provider's step, as the factor's `prepare` answers it (lib/mfa/factors/external.ts). */
function isStep(x: unknown): x is Step {
  return isRecord(x) && (x.phase === "select" ? Array.isArray(x.targets) : (x.phase === "push" || x.phase === "code") && typeof x.expiresAt === "string");
}

const POLL_MS = 2000;

function deadlineOf(iso: string): Deadline {
  const until = Date.parse(iso);
  return Number.isFinite(until) ? { until, seconds: Math.max(0, Math.ceil((until - Date.now()) / 1000)) } : null;
}

/**
 * An external provider's factor (lib/mfa/factors/external.ts). Every step goes through the
 * host's verify action: list the targets, send to one (Q2's target selection, masked), then
 * enter the code — or, for a push, wait on this screen, which polls the result and shows the
 * number to pick on the phone, a countdown and Cancel.
 */
export function ExternalVerify({ submitting, onSubmit, result, factorId }: FactorComponentProps) {
  const isPush = factorId?.endsWith(":mobile_push") ?? false;
  const [targets, setTargets] = useState<Target[] | null>(null);
  const [step, setStep] = useState<Step | null>(null);
  const [notice, setNotice] = useState<{ kind: "error" | "info"; text: string } | null>(null);
  const [chosen, setChosen] = useState<string | null>(null);
  const [seen, setSeen] = useState<ActionState | undefined>(result);
  const pollForm = useRef<HTMLFormElement>(null);

  const send = (fields: Record<string, string>) => {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.set(k, v);
    onSubmit(form);
  };

  // The first step lists this user's targets at the provider.
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    send({ step: "targets" });
    // eslint-disable-next-line react-hooks/exhaustive-deps -- once, on mount
  }, []);

  // Each new answer from the server moves this screen on.
  if (result && result !== seen) {
    setSeen(result);
    if (result.status === "continue" && isStep(result.step)) {
      const data = result.step;
      if (data.phase === "select") {
        setTargets(data.targets);
        setChosen((c) => c ?? data.targets[0]?.id ?? null);
      }
      setStep(data);
      setNotice(result.message ? { kind: "info", text: result.message } : null);
    } else if (result.status === "continue") {
      setStep(targets ? { phase: "select", targets } : null);
      setNotice(result.message ? { kind: "info", text: result.message } : null);
    } else if (result.status === "error") {
      setStep(targets ? { phase: "select", targets } : null);
      setNotice({ kind: "error", text: result.message });
    }
  }

  const pushing = step?.phase === "push";
  // A poll is sent only while none is in flight: on a slow server a queued poll would run right
  // after the one that brought the answer, and its "please wait" would replace that answer.
  const inFlight = useRef(submitting);
  useEffect(() => {
    inFlight.current = submitting;
  }, [submitting]);
  useEffect(() => {
    if (!pushing) return;
    const t = setInterval(() => {
      if (!inFlight.current) pollForm.current?.requestSubmit();
    }, POLL_MS);
    return () => clearInterval(t);
  }, [pushing]);

  const expiresAt = step && step.phase !== "select" ? step.expiresAt : null;
  const [deadline, setDeadline] = useState<{ for: string | null; d: Deadline }>({ for: null, d: null });
  if (deadline.for !== expiresAt) setDeadline({ for: expiresAt, d: expiresAt ? deadlineOf(expiresAt) : null });
  const secondsLeft = useCountdown(deadline.d);

  const message = notice ? (
    <Alert kind={notice.kind === "error" ? "error" : "info"}>{notice.text}</Alert>
  ) : null;

  if (!step) {
    return (
      <div className="space-y-3">
        {message}
        {!notice ? <p className="text-sm text-muted">Looking up where we can reach you…</p> : null}
      </div>
    );
  }

  if (step.phase === "select") {
    if (step.targets.length === 0) {
      return (
        <div className="space-y-3">
          {message}
          <Alert kind="warn">No phone or address is set up for this method. Choose another method.</Alert>
        </div>
      );
    }
    const label = step.targets.find((t) => t.id === chosen)?.label ?? "";
    return (
      <form
        className="space-y-4"
        action={() => send({ step: "send", target: chosen ?? "", targetLabel: label })}
        noValidate
      >
        {message}
        <fieldset>
          <legend className="mb-2 text-sm font-medium">{isPush ? "Send the request to" : "Send the code to"}</legend>
          <div className="grid gap-2">
            {step.targets.map((t) => (
              <label
                key={t.id}
                className={cx("flex cursor-pointer items-center gap-3 rounded-lg border p-3 text-sm", t.id === chosen ? "border-brand-500 bg-brand-50" : "border-line")}
              >
                <input type="radio" name="target-choice" value={t.id} checked={t.id === chosen} onChange={() => setChosen(t.id)} />
                <span className="font-mono">{t.label}</span>
              </label>
            ))}
          </div>
        </fieldset>
        <Button type="submit" className="w-full" disabled={submitting || !chosen}>
          {isPush ? "Send push" : "Send code"}
        </Button>
      </form>
    );
  }

  if (step.phase === "push") {
    return (
      <div className="space-y-4" aria-live="polite">
        {message}
        <p className="text-sm">
          {/* The target's label ("Push to Carol's phone (Pixel 8)") may hold brackets of its own: never wrap it in more. */}
          {step.target ? (
            <>
              Sent: <strong>{step.target}</strong>.{" "}
            </>
          ) : null}
          Open the request on your phone and tap this number:
        </p>
        <p className="text-center text-5xl font-semibold tracking-widest text-brand-700" data-testid="number-to-match" aria-label={`Number to match: ${step.number}`}>
          {step.number}
        </p>
        <p className="text-center text-sm text-muted" role="timer">
          Waiting for your approval… <span data-testid="push-countdown">{secondsLeft}</span> s left
        </p>
        <form ref={pollForm} action={(form) => { form.set("step", "poll"); onSubmit(form); }} aria-label="Check the request" hidden />
        <Button type="button" kind="secondary" className="w-full" onClick={() => send({ step: "cancel" })}>
          Cancel request
        </Button>
      </div>
    );
  }

  return (
    <form action={(form) => { form.set("step", "code"); onSubmit(form); }} className="space-y-4" noValidate>
      {message}
      <p className="text-sm">
        {step.target ? (
          <>
            Sent: <strong>{step.target}</strong>.{" "}
          </>
        ) : (
          "We sent you a 6-digit code. "
        )}
        It expires in{" "}
        <span data-testid="code-countdown">{Math.ceil(secondsLeft / 60)}</span> min.
      </p>
      <CodeInput label="6-digit code" />
      <Button type="submit" className="w-full" disabled={submitting}>
        {submitting ? "Checking…" : "Verify"}
      </Button>
      <Button type="button" kind="link" onClick={() => send({ step: "targets" })}>
        Send a new code
      </Button>
    </form>
  );
}

export function ExternalRegister() {
  return <Alert kind="info">This method is set up with the provider, not here.</Alert>;
}
