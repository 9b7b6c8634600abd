"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { startTransition, useActionState, useEffect, useRef, useState } from "react";
import { factorComponents } from "@/components/factors";
import { Alert } from "@/components/ui";
import { useHydrated } from "@/components/use-hydrated";
import { idle, isRecord, type ActionState } from "@/lib/actions/state";
import { postStep } from "@/lib/http/script-call";
import { deadlineFrom, useCountdown, type Deadline } from "./countdown";
import { MethodChoice } from "./method-choice";

export type PanelFactor = { id: string; name: string; description: string; verifyTitle: string; data: unknown };

type Props = {
  challengeId: string;
  factors: PanelFactor[];
  action: (prev: ActionState, form: FormData) => Promise<ActionState>;
  /**
   * The sign-in answer: the action's route handler (lib/http/script-endpoint.ts), which the
   * script posts to instead of the action, so no page is rendered for a passing answer.
   * Without JavaScript, forms still post to `action`.
   */
  endpoint?: string;
  initialFactor?: string;
  /**
   * Step-up: called with the action's data when the answer passed. Without it, an answer that
   * names a destination (`data.next`, sign-in) navigates there.
   */
  onPassed?: (data: unknown) => void;
  /** The user's methods that cannot be used now (a provider disabled by the bank), named. */
  unavailableNotice?: string;
  /** Sign-in only, when the group allows it: offer "Don't ask for a code on this browser for N days" (lib/auth/remembered-devices.ts). */
  rememberDays?: number;
};

/**
 * The escalation page's body: pick a factor (when there are several), answer it. A failed
 * attempt opens a backoff delay: the form is disabled with a live countdown and comes back
 * by itself when the delay has passed.
 */
export function MfaPanel({ challengeId, factors, action, endpoint, initialFactor, onPassed, unavailableNotice, rememberDays = 0 }: Props) {
  const [serverState, formAction, serverPending] = useActionState(action, idle);
  const [scriptState, scriptAction, scriptPending] = useActionState(
    (_prev: ActionState | null, form: FormData) => postStep(endpoint!, form),
    null,
  );
  const viaScript = useHydrated() && Boolean(endpoint);
  const state = scriptState ?? serverState;
  const pending = serverPending || scriptPending;
  const [remember, setRemember] = useState(false);
  const [selected, setSelected] = useState(initialFactor && factors.some((f) => f.id === initialFactor) ? initialFactor : factors[0]?.id);
  const [deadline, setDeadline] = useState<Deadline>(null);
  const [answered, setAnswered] = useState(state);
  if (answered !== state) {
    // A new answer from the server (re)starts the countdown when it carries a delay.
    setAnswered(state);
    setDeadline(deadlineFrom(state.code === "wait" ? state.retryAfterMs : undefined));
  }
  // Each passing answer is handed over exactly once (a grant must not be spent twice).
  const handedOver = useRef<ActionState | null>(null);
  const router = useRouter();
  useEffect(() => {
    if (state.status === "ok" && handedOver.current !== state) {
      handedOver.current = state;
      if (onPassed) onPassed(state.data);
      else {
        // The action answered with the destination instead of redirecting (lib/http/called-from-script.ts).
        const next = isRecord(state.data) ? state.data.next : undefined;
        if (typeof next === "string" && next.startsWith("/") && !next.startsWith("//")) router.replace(next);
      }
    }
  }, [state, onPassed, router]);
  const secondsLeft = useCountdown(deadline);
  const waiting = secondsLeft > 0;
  // After a refused answer the form is reset (cleared) by React; once it can be used again (the
  // backoff countdown over), focus goes back to its field, which carries the error in its
  // description, so the user hears why and types again (WCAG 2.2 3.3.1, 2.4.3).
  const section = useRef<HTMLElement>(null);
  useEffect(() => {
    if (state.status !== "error" || waiting || pending) return;
    section.current?.querySelector<HTMLInputElement>("input:not([type=hidden]):not(:disabled)")?.focus();
  }, [state, waiting, pending]);
  const factor = factors.find((f) => f.id === selected);
  const components = factor ? factorComponents(factor.id) : undefined;

  if (state.code === "signed_out" || state.code === "locked") {
    return (
      <Alert kind="error">
        {state.message}{" "}
        <Link href="/login" className="font-semibold underline">
          {state.code === "locked" ? "Back to sign-in" : "Sign in"}
        </Link>
      </Alert>
    );
  }

  const submit = (form: FormData) => {
    form.set("challengeId", challengeId);
    form.set("factor", factor!.id);
    if (remember) form.set("remember", "on");
    startTransition(() => (viaScript ? scriptAction : formAction)(form));
  };

  return (
    <div className="space-y-5">
      {unavailableNotice && factors.length > 0 ? <Alert kind="warn">{unavailableNotice}</Alert> : null}
      {factors.length > 1 ? (
        <MethodChoice legend="Verify with" name="factor-choice" methods={factors} selected={selected} onSelect={setSelected} />
      ) : null}
      {factor && components ? (
        <section ref={section} aria-labelledby="verify-title" className="space-y-3">
          <h2 id="verify-title" className="text-base font-semibold">
            {factor.verifyTitle}
          </h2>
          {waiting ? (
            <Alert kind="warn">
              {/* Why first ("That code is not right."), then the wait that every failure opens. */}
              {state.status === "error" && state.code === "wait" && !state.message?.startsWith("Please wait") ? `${state.message} ` : ""}
              You can try again in <span data-testid="countdown">{secondsLeft}</span> s.
            </Alert>
          ) : null}
          <fieldset disabled={waiting || pending} className="disabled:opacity-70">
            <components.Verify
              key={factor.id}
              data={factor.data}
              submitting={pending}
              submissionError={state.status === "error" && !waiting ? state.message : undefined}
              onSubmit={submit}
              formAction={viaScript ? undefined : formAction}
              hiddenFields={
                <>
                  <input type="hidden" name="challengeId" value={challengeId} />
                  <input type="hidden" name="factor" value={factor.id} />
                  {remember ? <input type="hidden" name="remember" value="on" /> : null}
                </>
              }
              result={state}
              factorId={factor.id}
            />
          </fieldset>
          {rememberDays > 0 ? (
            <label className="flex items-start gap-2 text-sm">
              <input
                type="checkbox"
                name="remember-choice"
                className="mt-0.5 size-4 accent-brand-600"
                checked={remember}
                onChange={(e) => setRemember(e.target.checked)}
              />
              <span>
                Don&apos;t ask for a code on this browser for {rememberDays} day{rememberDays === 1 ? "" : "s"}
                <span className="block text-xs text-muted">Only on a browser that is yours alone. Transfers and other confirmations still ask.</span>
              </span>
            </label>
          ) : null}
        </section>
      ) : (
        <Alert kind="error">{unavailableNotice ?? "No verification method is available for your account. Contact the bank."}</Alert>
      )}
    </div>
  );
}
