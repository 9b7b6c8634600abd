"use client";

import { startTransition, useActionState } from "react";
import { factorComponents } from "@/components/factors";
import { Alert } from "@/components/ui";
import { idle, isRecord, type ActionState } from "@/lib/actions/state";

/** Hosts one factor's Register component and sends what it emits to a registration action. */
export function RegisterPanel({
  factorId,
  data,
  action,
  extra,
  readOnly,
}: {
  factorId: string;
  data: unknown;
  action: (prev: ActionState, form: FormData) => Promise<ActionState>;
  extra?: Record<string, string>;
  readOnly?: boolean;
}) {
  const [state, formAction, pending] = useActionState(action, idle);
  const components = factorComponents(factorId);
  if (!components) return null;
  if (state.code === "signed_out" || state.code === "locked") return <Alert kind="error">{state.message}</Alert>;
  // A registration may answer with new data (e.g. recovery codes to show once).
  const shown = state.status === "ok" && isRecord(state.data) ? { ...(isRecord(data) ? data : {}), ...state.data } : data;
  return (
    <div className="space-y-3">
      {state.status === "ok" && state.message ? <Alert kind="ok">{state.message}</Alert> : null}
      <components.Register
        data={shown}
        submitting={pending}
        submissionError={state.status === "error" ? (state.fieldErrors?.code?.[0] ?? state.message) : undefined}
        readOnly={readOnly}
        factorId={factorId}
        onSubmit={(form) => {
          form.set("factor", factorId);
          for (const [k, v] of Object.entries(extra ?? {})) form.set(k, v);
          startTransition(() => formAction(form));
        }}
      />
    </div>
  );
}
