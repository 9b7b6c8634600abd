"use client";

import { useActionState } from "react";
import { endMyOtherSessions, endMySession } from "@/app/(bank)/security/activity/actions";
import { Alert, Button, formatDate } from "@/components/ui";
import { idle, type ActionState } from "@/lib/actions/state";

export type SessionItem = { id: string; device: string; kind: string; ip: string | null; signedInAt: string; lastSeenAt: string; current: boolean };

function Result({ state }: { state: ActionState }) {
  return state.status !== "idle" && state.message ? <Alert kind={state.status === "ok" ? "ok" : "error"}>{state.message}</Alert> : null;
}

/**
 * The customer's live sessions, this browser's first. One action state for the whole list: a
 * row disappears once it is signed out, and the message must outlive it.
 */
export function SessionList({ sessions }: { sessions: SessionItem[] }) {
  const [one, endOne, pendingOne] = useActionState(endMySession, idle);
  const [all, endAll, pendingAll] = useActionState(endMyOtherSessions, idle);
  const others = sessions.filter((s) => !s.current).length;
  return (
    <div className="space-y-4">
      <div aria-live="polite" className="space-y-2">
        <Result state={one} />
        <Result state={all} />
      </div>
      <ul className="divide-y divide-line" aria-label="Where you are signed in">
        {sessions.map((s) => (
          <li key={s.id} className="flex flex-col gap-3 py-3 sm:flex-row sm:items-start sm:justify-between">
            <div className="min-w-0 text-sm">
              <p className="font-medium">
                {s.device}
                {s.current ? (
                  <span className="ml-2 inline-flex items-center rounded-full border border-ok/30 bg-ok-bg px-2 py-0.5 text-xs font-medium text-ok">
                    This browser
                  </span>
                ) : null}
              </p>
              <p className="text-muted">
                {s.kind !== "unknown" ? `${s.kind[0]!.toUpperCase()}${s.kind.slice(1)} · ` : ""}IP address{" "}
                <span className="font-mono text-xs">{s.ip ?? "unknown"}</span>
              </p>
              <p className="text-muted">
                Signed in {formatDate(s.signedInAt)} · Last active {formatDate(s.lastSeenAt)} (UTC)
              </p>
            </div>
            {s.current ? null : (
              <form action={endOne}>
                <input type="hidden" name="session" value={s.id} />
                <Button type="submit" kind="secondary" disabled={pendingOne} aria-label={`Sign out this session: ${s.device}, IP address ${s.ip ?? "unknown"}`}>
                  Sign out this session
                </Button>
              </form>
            )}
          </li>
        ))}
      </ul>
      <form action={endAll} className="border-t border-line pt-4">
        <Button type="submit" kind="danger" disabled={pendingAll || others === 0}>
          {pendingAll ? "Signing out…" : "Sign out all other sessions"}
        </Button>
        <p className="mt-2 text-xs text-muted">
          {others === 0 ? "You are not signed in anywhere else." : "Every browser but this one will have to sign in again."}
        </p>
      </form>
    </div>
  );
}
