"use client";

import { useActionState } from "react";
import { confirmPresence } from "@/app/(bank)/security/actions";
import { Alert, Button, Field } from "@/components/ui";
import { idle } from "@/lib/actions/state";

/** "Confirm it's you", step 1: the password again (step 2, a second factor, is an MfaPanel). */
export function PresenceForm() {
  const [state, formAction, pending] = useActionState(confirmPresence, idle);
  return (
    <form action={formAction} className="space-y-4" noValidate>
      {state.status === "error" && state.message ? <Alert kind="error">{state.message}</Alert> : null}
      {state.status === "ok" && state.message ? <Alert kind="ok">{state.message}</Alert> : null}
      <Field label="Current password" name="password" type="password" autoComplete="current-password" required errors={state.fieldErrors?.password} />
      <Button type="submit" disabled={pending}>
        {pending ? "Checking…" : "Confirm password"}
      </Button>
    </form>
  );
}
