"use client";

import { useActionState } from "react";
import { signInWithPassword } from "@/app/(auth)/login/actions";
import { Alert, Button, Field } from "@/components/ui";
import { idle } from "@/lib/actions/state";

export function LoginForm({ callbackUrl }: { callbackUrl?: string }) {
  const [state, formAction, pending] = useActionState(signInWithPassword, idle);
  return (
    <form action={formAction} className="space-y-4" noValidate>
      {state.status === "error" && state.message ? <Alert kind="error">{state.message}</Alert> : null}
      <input type="hidden" name="callbackUrl" value={callbackUrl ?? ""} />
      <Field
        label="Username"
        name="username"
        autoComplete="username"
        autoCapitalize="none"
        spellCheck={false}
        required
        maxLength={64}
        errors={state.fieldErrors?.username}
      />
      <Field
        label="Password"
        name="password"
        type="password"
        autoComplete="current-password"
        required
        errors={state.fieldErrors?.password}
      />
      <Button type="submit" className="w-full" disabled={pending}>
        {pending ? "Signing in…" : "Sign in"}
      </Button>
    </form>
  );
}
