"use client";

import { useActionState, useState } from "react";
import { confirmPresence } from "@/app/(bank)/security/actions";
import { Alert, Button, Field } from "@/components/ui";
import { idle } from "@/lib/actions/state";

/** "Confirm it's you": the password again, and a code when the user has MFA. */
export function PresenceForm({ needsCode, factors }: { needsCode: boolean; factors: { id: string; name: string }[] }) {
  const [state, formAction, pending] = useActionState(confirmPresence, idle);
  const [factor, setFactor] = useState(factors[0]?.id ?? "totp");
  return (
    <form action={formAction} className="space-y-4" noValidate>
      {state.status === "error" && state.message ? <Alert kind="error">{state.message}</Alert> : null}
      {state.status === "ok" && state.message ? <Alert kind="ok">{state.message}</Alert> : null}
      <Field label="Current password" name="password" type="password" autoComplete="current-password" required errors={state.fieldErrors?.password} />
      {needsCode ? (
        <>
          {factors.length > 1 ? (
            <div className="space-y-1.5">
              <label htmlFor="presence-factor" className="block text-sm font-medium">
                Verify with
              </label>
              <select
                id="presence-factor"
                name="factor"
                value={factor}
                onChange={(e) => setFactor(e.target.value)}
                className="block w-full rounded-lg border border-line bg-white px-3 py-2.5"
              >
                {factors.map((f) => (
                  <option key={f.id} value={f.id}>
                    {f.name}
                  </option>
                ))}
              </select>
            </div>
          ) : (
            <input type="hidden" name="factor" value={factor} />
          )}
          <Field
            label={factor === "recovery" ? "Recovery code" : "6-digit code"}
            name="code"
            inputMode={factor === "recovery" ? "text" : "numeric"}
            autoComplete="one-time-code"
            required
          />
        </>
      ) : null}
      <Button type="submit" disabled={pending}>
        {pending ? "Checking…" : "Confirm"}
      </Button>
    </form>
  );
}
