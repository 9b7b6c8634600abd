"use client";

import { useActionState } from "react";
import { Alert, Button, Field } from "@/components/ui";
import { idle, type ActionState } from "@/lib/actions/state";

type Action = (prev: ActionState, form: FormData) => Promise<ActionState>;

/** New password + confirmation; with `current`, the current password too (Security page). */
export function NewPasswordForm({ action, current = false, submitLabel }: { action: Action; current?: boolean; submitLabel: string }) {
  const [state, formAction, pending] = useActionState(action, idle);
  return (
    <form action={formAction} className="space-y-4" noValidate>
      {state.status === "error" && state.message && !state.fieldErrors ? <Alert kind="error">{state.message}</Alert> : null}
      {current ? (
        <Field label="Current password" name="currentPassword" type="password" autoComplete="current-password" required errors={state.fieldErrors?.currentPassword} />
      ) : null}
      <Field
        label="New password"
        name="newPassword"
        type="password"
        autoComplete="new-password"
        required
        hint="At least 12 characters. Any characters; a passphrase of a few words works well."
        errors={state.fieldErrors?.newPassword}
      />
      <Field label="Repeat new password" name="confirmPassword" type="password" autoComplete="new-password" required errors={state.fieldErrors?.confirmPassword} />
      <Button type="submit" disabled={pending}>
        {pending ? "Saving…" : submitLabel}
      </Button>
    </form>
  );
}
