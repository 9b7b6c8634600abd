"use client";

import Link from "next/link";
import { useActionState } from "react";
import { Alert, Button, ButtonLink } from "@/components/ui";
import { idle, type ActionState } from "@/lib/actions/state";

/**
 * The button of a one-time link from a mail ("Unlock your account", "This wasn't me"). Opening
 * the link only reads, since mail scanners prefetch links; this button acts, once. After it, the
 * way on is sign-in.
 */
export function MailLinkForm({
  token,
  action,
  label,
  pendingLabel,
  danger = false,
  next,
}: {
  token: string;
  action: (prev: ActionState, form: FormData) => Promise<ActionState>;
  label: string;
  pendingLabel: string;
  danger?: boolean;
  /** The sign-in button's words once it is done. */
  next: string;
}) {
  const [state, formAction, pending] = useActionState(action, idle);
  if (state.status === "ok") {
    return (
      <div className="space-y-4">
        <Alert kind="ok">{state.message}</Alert>
        <ButtonLink href="/login" className="w-full">
          {next}
        </ButtonLink>
      </div>
    );
  }
  return (
    <form action={formAction} className="space-y-4">
      {state.status === "error" ? <Alert kind="error">{state.message}</Alert> : null}
      <input type="hidden" name="token" value={token} />
      <Button type="submit" kind={danger ? "danger" : "primary"} className="w-full" disabled={pending || state.status === "error"}>
        {pending ? pendingLabel : label}
      </Button>
    </form>
  );
}

/** A mail link that cannot be used (expired, used, replaced): why, and the way back to sign-in. */
export function MailLinkProblem({ message, back }: { message: string; back: string }) {
  return (
    <>
      <Alert kind="error" className="mt-4">
        {message}
      </Alert>
      <p className="mt-6 text-center text-sm">
        <Link href="/login" className="text-brand-600 underline underline-offset-4">
          {back}
        </Link>
      </p>
    </>
  );
}
