"use client";

import { useActionState } from "react";
import { signInWithPassword } from "@/app/(auth)/login/actions";
import { Alert, Button, Field } from "@/components/ui";
import { idle } from "@/lib/actions/state";

export function LoginForm({ callbackUrl }: { callbackUrl?: string }) {
  const [state, formAction, pending] = useActionState(signInWithPassword, idle);
  return (
    <form action={formAction} className="space-y-4" noValidate>
      {state.status === "error" && state.message ? (
        <div className="space-y-1">
          <Alert kind="error">{state.message}</Alert>
          {/* The same line for every failure: it tells a guesser nothing about this account. */}
          <p className="text-xs text-muted">If you&apos;ve tried several times, your account may be locked — check your e-mail.</p>
        </div>
      ) : null}
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
