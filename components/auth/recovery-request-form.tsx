"use client";

import { useActionState } from "react";
import { requestMfaRecovery } from "@/app/(auth)/mfa/actions";
import { TextArea } from "@/components/admin/ui";
import { Alert, Button } from "@/components/ui";
import { idle } from "@/lib/actions/state";

export function RecoveryRequestForm() {
  const [state, formAction, pending] = useActionState(requestMfaRecovery, idle);
  if (state.status === "ok") return <Alert kind="ok">{state.message}</Alert>;
  return (
    <form action={formAction} className="space-y-4">
      {state.status === "error" && state.message ? <Alert kind="error">{state.message}</Alert> : null}
      <TextArea
        label="What happened?"
        name="message"
        required
        maxLength={1000}
        hint="For example: “My phone was stolen on Monday.” Never write your password or a code here."
        errors={state.fieldErrors?.message}
      />
      <Button type="submit" className="w-full" disabled={pending}>
        {pending ? "Sending…" : "Send the request to the bank"}
      </Button>
    </form>
  );
}
