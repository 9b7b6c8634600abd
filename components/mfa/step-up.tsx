"use client";

import { useCallback, useEffect, useRef, useState, useTransition, type FormEvent } from "react";
import { cancelStepUp, verifyStepUp } from "@/app/(bank)/step-up/actions";
import { Button, Modal } from "@/components/ui";
import { idle, isRecord, type ActionState } from "@/lib/actions/state";
import type { StepUpRequired } from "@/lib/mfa/step-up-types";
import { MfaPanel } from "./mfa-panel";
import { REDIRECT_MESSAGES, STEP_UP_RETURN_KEY, StepUpReturn } from "./step-up-return";

type Saved = { key: string; challengeId: string; entries: [string, string][] };

type Action = (prev: ActionState, form: FormData) => Promise<ActionState>;

/**
 * Like Q2's promptForMFA: submit the form; when the server answers "MFA required", the MFA
 * dialog opens by itself, and once a factor passes the same form data is sent again with the
 * grant. No navigation; the form keeps what the user typed until the action succeeds.
 */
export function useStepUpForm(
  action: Action,
  opts: {
    cancelMessage?: string;
    onDone?: (form: HTMLFormElement) => void;
    /**
     * Lets a redirect-based provider take the page away and bring it back: the form
     * (marked `data-step-up={resumeKey}`) is kept in this tab's sessionStorage on the way out
     * and sent again with the grant the callback minted (`#step-up=ok.<grant>`), or the
     * callback's word is shown (`#step-up=denied`). The grant is bound to the exact input: a
     * changed form spends nothing and voids it (lib/mfa/step-up-core.ts).
     */
    resumeKey?: string;
  } = {},
) {
  const [state, setState] = useState<ActionState>(idle);
  const [pending, startTransition] = useTransition();
  const [prompt, setPrompt] = useState<{ data: StepUpRequired; form: FormData; el: HTMLFormElement | null } | null>(null);

  const send = useCallback(
    (form: FormData, el: HTMLFormElement | null) =>
      startTransition(async () => {
        const result = await action(idle, form);
        if (result.code === "mfa_required") {
          setPrompt({ data: result.challenge, form, el });
          setState(idle);
          return;
        }
        setPrompt(null);
        setState(result);
        if (result.status === "ok" && el) opts.onDone?.(el);
      }),
    [action, opts],
  );

  // Back from a redirect-based provider: resume the kept form once, then forget it.
  const resumed = useRef(false);
  const { resumeKey } = opts;
  useEffect(() => {
    if (!resumeKey || resumed.current) return;
    resumed.current = true;
    const m = /^#step-up=([a-z]+|ok\.[0-9a-f-]{36})$/.exec(window.location.hash);
    if (!m) return;
    let saved: Saved | null = null;
    try {
      saved = JSON.parse(sessionStorage.getItem(STEP_UP_RETURN_KEY) ?? "null") as Saved | null;
    } catch {}
    if (!saved || saved.key !== resumeKey) return;
    sessionStorage.removeItem(STEP_UP_RETURN_KEY);
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
    const word = m[1]!;
    if (!word.startsWith("ok.")) {
      // The page's storage and address are the outside system this effect reads; the message follows it.
      const message = REDIRECT_MESSAGES[word] ?? REDIRECT_MESSAGES.expired;
      startTransition(() => setState({ status: "error", code: "cancelled", message }));
      return;
    }
    const form = new FormData();
    for (const [k, v] of saved.entries) form.append(k, v);
    form.set("grantId", word.slice(3));
    send(form, document.querySelector<HTMLFormElement>(`form[data-step-up="${CSS.escape(resumeKey)}"]`));
  }, [resumeKey, send]);

  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    if (e.target !== e.currentTarget) return; // a submit bubbling from another form
    e.preventDefault(); // keep the fields: the form may be sent again after MFA
    send(new FormData(e.currentTarget), e.currentTarget);
  };

  const keepForReturn = useCallback(() => {
    if (!prompt || !resumeKey) return null;
    const entries = [...prompt.form.entries()].filter((e): e is [string, string] => typeof e[1] === "string" && e[0] !== "grantId");
    const saved: Saved = { key: resumeKey, challengeId: prompt.data.challengeId, entries };
    sessionStorage.setItem(STEP_UP_RETURN_KEY, JSON.stringify(saved));
    return window.location.pathname + window.location.search;
  }, [prompt, resumeKey]);

  const dialog = prompt ? (
    <StepUpDialog
      keepForReturn={keepForReturn}
      required={prompt.data}
      onGranted={(grantId) => {
        const form = prompt.form;
        form.set("grantId", grantId);
        send(form, prompt.el);
      }}
      onCancel={() => {
        const fd = new FormData();
        fd.set("challengeId", prompt.data.challengeId);
        void cancelStepUp(idle, fd);
        setPrompt(null);
        setState({ status: "error", code: "cancelled", message: opts.cancelMessage ?? "Cancelled. Nothing was changed." });
      }}
    />
  ) : null;

  return { state, pending: pending || !!prompt, onSubmit, dialog };
}

function StepUpDialog({
  required,
  onGranted,
  onCancel,
  keepForReturn,
}: {
  keepForReturn: () => string | null;
  required: StepUpRequired;
  onGranted: (grantId: string) => void;
  onCancel: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
  }, []);
  const onPassed = useCallback(
    (data: unknown) => {
      if (isRecord(data) && typeof data.grantId === "string") onGranted(data.grantId);
    },
    [onGranted],
  );
  return (
    <Modal ref={ref} aria-labelledby="step-up-title" onEscape={onCancel}>
      <h2 id="step-up-title" className="text-lg font-semibold">
        Confirm it&apos;s you
      </h2>
      <p className="mt-1 text-sm text-muted">You are authorising:</p>
      <p data-testid="step-up-description" className="mt-2 rounded-lg bg-brand-50 px-3 py-2 font-medium text-brand-700">
        {required.description}
      </p>
      <div className="mt-5">
        <StepUpReturn.Provider value={keepForReturn}>
          <MfaPanel
            challengeId={required.challengeId}
            factors={required.factors}
            action={verifyStepUp}
            onPassed={onPassed}
          />
        </StepUpReturn.Provider>
      </div>
      <div className="mt-4 flex justify-end">
        <Button kind="secondary" type="button" onClick={onCancel}>
          Cancel
        </Button>
      </div>
    </Modal>
  );
}
