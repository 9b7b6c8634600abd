"use client";

import { useActionState } from "react";
import { reportSignInNotMe } from "@/app/(auth)/not-me/actions";
import { Alert, Button, ButtonLink } from "@/components/ui";
import { idle } from "@/lib/actions/state";

export function NotMeForm({ token }: { token: string }) {
  const [state, formAction, pending] = useActionState(reportSignInNotMe, idle);
  if (state.status === "ok") {
    return (
      <div className="space-y-4">
        <Alert kind="ok">{state.message}</Alert>
        <ButtonLink href="/login" className="w-full">
          Sign in and choose a new password
        </ButtonLink>
      </div>
    );
  }
  return (
    <form action={formAction} className="space-y-4">
      {state.status === "error" ? <Alert kind="error">{state.message}</Alert> : null}
      <input type="hidden" name="token" value={token} />
      <Button type="submit" kind="danger" className="w-full" disabled={pending || state.status === "error"}>
        {pending ? "Signing out everywhere…" : "This wasn't me: sign me out everywhere"}
      </Button>
    </form>
  );
}
