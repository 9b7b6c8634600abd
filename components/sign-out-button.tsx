"use client";

import { useActionState } from "react";
import { signOutNow } from "@/app/(bank)/actions";
import { Button } from "@/components/ui";
import { idle } from "@/lib/actions/state";

export function SignOutButton() {
  const [, formAction, pending] = useActionState(signOutNow, idle);
  return (
    <form action={formAction}>
      <Button kind="secondary" type="submit" disabled={pending} className="whitespace-nowrap py-2">
        Sign out
      </Button>
    </form>
  );
}
