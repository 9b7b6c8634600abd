"use client";

import { useActionState } from "react";
import { unlockAccount } from "@/app/(auth)/unlock/actions";
import { Alert, Button, ButtonLink } from "@/components/ui";
import { idle } from "@/lib/actions/state";

export function UnlockForm({ token }: { token: string }) {
  const [state, formAction, pending] = useActionState(unlockAccount, idle);
  if (state.status === "ok") {
    return (
      <div className="space-y-4">
        <Alert kind="ok">{state.message}</Alert>
        <ButtonLink href="/login" className="w-full">
          Sign in
        </ButtonLink>
      </div>
    );
  }
  return (
    <form action={formAction} className="space-y-4">
      {state.status === "error" ? <Alert kind="error">{state.message}</Alert> : null}
      <input type="hidden" name="token" value={token} />
      <Button type="submit" className="w-full" disabled={pending || state.status === "error"}>
        {pending ? "Unlocking…" : "Unlock my account"}
      </Button>
    </form>
  );
}
