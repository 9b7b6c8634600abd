"use client";

import { useActionState } from "react";
import { forgetRememberedBrowser } from "@/app/(bank)/security/activity/actions";
import { Alert, Button, formatDate } from "@/components/ui";
import { idle } from "@/lib/actions/state";

export type RememberedItem = { id: string; device: string; ip: string | null; createdAt: string; lastUsedAt: string | null; expiresAt: string };

/** Browsers that skip the sign-in code (lib/auth/remembered-devices.ts), each with "Forget". */
export function RememberedList({ devices }: { devices: RememberedItem[] }) {
  const [state, forget, pending] = useActionState(forgetRememberedBrowser, idle);
  return (
    <div className="space-y-4">
      <div aria-live="polite">{state.status !== "idle" && state.message ? <Alert kind={state.status === "ok" ? "ok" : "error"}>{state.message}</Alert> : null}</div>
      {devices.length === 0 ? (
        <p className="text-sm text-muted">No browser is remembered: every sign-in asks for your second step.</p>
      ) : (
        <ul className="divide-y divide-line" aria-label="Remembered browsers">
          {devices.map((d) => (
            <li key={d.id} className="flex flex-col gap-3 py-3 sm:flex-row sm:items-start sm:justify-between">
              <div className="min-w-0 text-sm">
                <p className="font-medium">{d.device}</p>
                <p className="text-muted">
                  Remembered {formatDate(d.createdAt)} · {d.lastUsedAt ? `last used ${formatDate(d.lastUsedAt)}` : "not used yet"} · until {formatDate(d.expiresAt)} (UTC)
                </p>
                <p className="text-muted">
                  IP address <span className="font-mono text-xs">{d.ip ?? "unknown"}</span>
                </p>
              </div>
              <form action={forget}>
                <input type="hidden" name="device" value={d.id} />
                <Button type="submit" kind="secondary" disabled={pending} aria-label={`Forget this browser: ${d.device}`}>
                  Forget
                </Button>
              </form>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
