"use client";

import Link from "next/link";
import { useActionState } from "react";
import { claimReset } from "@/app/(auth)/reset-password/actions";
import { Alert, Button } from "@/components/ui";
import { idle } from "@/lib/actions/state";

export function ClaimResetForm({ token }: { token: string }) {
  const [state, formAction, pending] = useActionState(claimReset, idle);
  return (
    <form action={formAction} className="space-y-4">
      {state.status === "error" ? (
        <Alert kind="error">
          {state.message}{" "}
          {state.code !== "locked" ? (
            <Link href="/forgot-password" className="font-semibold underline">
              Request a new link
            </Link>
          ) : null}
        </Alert>
      ) : null}
      <input type="hidden" name="token" value={token} />
      <Button type="submit" className="w-full" disabled={pending || state.status === "error"}>
        {pending ? "Checking the link…" : "Continue"}
      </Button>
    </form>
  );
}
