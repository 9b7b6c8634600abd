"use client";

import { useActionState } from "react";
import { removeFactor } from "@/app/(bank)/security/actions";
import { Alert, Button } from "@/components/ui";
import { idle } from "@/lib/actions/state";

export function RemoveFactorButton({ factorId, name, disabledReason }: { factorId: string; name: string; disabledReason?: string }) {
  const [state, formAction, pending] = useActionState(removeFactor, idle);
  return (
    <form action={formAction} className="space-y-2">
      <input type="hidden" name="factor" value={factorId} />
      <Button kind="secondary" type="submit" disabled={pending || !!disabledReason} aria-label={`Remove ${name}`} title={disabledReason}>
        Remove
      </Button>
      {state.status === "error" && state.message ? <Alert kind="error">{state.message}</Alert> : null}
    </form>
  );
}
