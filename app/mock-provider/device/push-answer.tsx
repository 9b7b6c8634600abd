"use client";

import { useRouter } from "next/navigation";
import { useActionState, useEffect } from "react";
import { Alert, Button } from "@/components/ui";
import { idle } from "@/lib/actions/state";
import { answerPush } from "./actions";

/** The three numbers and Deny of one push request on the mock device. */
export function PushAnswer({ transactionId, choices }: { transactionId: string; choices: number[] }) {
  const [state, action, pending] = useActionState(answerPush, idle);
  const router = useRouter();
  useEffect(() => {
    if (state.status !== "idle") router.refresh();
  }, [state, router]);
  if (state.status === "ok") return <Alert kind="ok">{state.message}</Alert>;
  return (
    <form action={action} className="space-y-3">
      <input type="hidden" name="transactionId" value={transactionId} />
      <div className="flex flex-wrap gap-3">
        {choices.map((n) => (
          <Button key={n} type="submit" name="answer" value={String(n)} kind="secondary" className="min-w-16 text-lg" disabled={pending}>
            {n}
          </Button>
        ))}
        <Button type="submit" name="answer" value="deny" kind="danger" disabled={pending}>
          Deny
        </Button>
      </div>
      {state.status === "error" ? <Alert kind="error">{state.message}</Alert> : null}
    </form>
  );
}
