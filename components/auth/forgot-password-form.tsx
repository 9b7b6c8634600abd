"use client";

import { useActionState } from "react";
import { requestReset } from "@/app/(auth)/forgot-password/actions";
import { Alert, Button, Field } from "@/components/ui";
import { idle } from "@/lib/actions/state";

export function ForgotPasswordForm() {
  const [state, formAction, pending] = useActionState(requestReset, idle);
  if (state.status === "ok") return <Alert kind="ok">{state.message}</Alert>;
  return (
    <form action={formAction} className="space-y-4" noValidate>
      {state.status === "error" && !state.fieldErrors ? <Alert kind="error">{state.message}</Alert> : null}
      <Field label="Username or email" name="identifier" autoComplete="username" required errors={state.fieldErrors?.identifier} />
      <Button type="submit" className="w-full" disabled={pending}>
        {pending ? "Sending…" : "Send reset link"}
      </Button>
    </form>
  );
}
