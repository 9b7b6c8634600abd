"use client";

import dynamic from "next/dynamic";
import { useRouter } from "next/navigation";
import { useActionState, useEffect, type ReactNode } from "react";
import { signInWithPassword } from "@/app/(auth)/login/actions";
import { Alert, Button, Field } from "@/components/ui";
import { useHydrated } from "@/components/use-hydrated";
import { idle, type ActionState } from "@/lib/actions/state";
import { postStep, SIGN_IN_ENDPOINTS } from "@/lib/http/script-call";
import type { SignInStepProps } from "@/lib/mfa/sign-in-step";
import { PasskeySignIn } from "./passkey-sign-in";

// The second step's components (every factor's Verify) are not part of /login's first load
// (≤ 150 kB of first-load JS); they are fetched once the page is idle, before the password is sent.
const loadStep = () => import("@/components/mfa/sign-in-step").then((m) => m.SignInStep);
const SignInStep = dynamic(loadStep);

/** What the login action answers a script with on success (app/(auth)/login/actions.ts). */
export type SignInResult = { next: string } | { step: SignInStepProps };

/**
 * The password form; after a right password it becomes the second step in place:
 * the password step answers with the challenge and the factors, no page is rendered for it. The
 * address becomes /mfa, which renders the same step on a reload. Without JavaScript the form
 * posts, and the action redirects to /mfa instead.
 */
export function LoginForm({ callbackUrl, intro, footer }: { callbackUrl?: string; intro?: ReactNode; footer?: ReactNode }) {
  // Without JavaScript the form posts to the server action, which redirects. With it, the form
  // posts to the action's route handler, which answers the same state and renders no page
  // (lib/http/script-endpoint.ts).
  const [serverState, serverAction, serverPending] = useActionState(signInWithPassword, idle);
  const [scriptState, scriptAction, scriptPending] = useActionState(
    (_prev: ActionState<SignInResult> | null, form: FormData) => postStep<SignInResult>(SIGN_IN_ENDPOINTS.password, form),
    null,
  );
  const hydrated = useHydrated();
  const state = scriptState ?? serverState;
  const pending = serverPending || scriptPending;
  const router = useRouter();
  useEffect(() => {
    const idle = window.requestIdleCallback ?? ((f: () => void) => window.setTimeout(f, 200));
    idle(() => void loadStep());
  }, []);
  const result = state.status === "ok" ? state.data : undefined;
  const step = result && "step" in result ? result.step : null;
  const next = result && "next" in result ? result.next : null;
  useEffect(() => {
    if (next) router.replace(next);
  }, [next, router]);
  useEffect(() => {
    if (!step) return;
    window.history.replaceState(null, "", `/mfa?callbackUrl=${encodeURIComponent(step.callbackUrl)}`);
    document.title = document.title.replace(/^Sign in/, "Verify it's you");
  }, [step]);

  if (step) return <SignInStep step={step} moveFocus />;
  // Kept after a failed attempt; the password never comes back.
  const username = state.status === "error" ? state.values?.username : undefined;
  return (
    <>
      {intro}
      <form action={hydrated ? scriptAction : serverAction} className="space-y-4" noValidate>
        {state.status === "error" && state.message ? (
          <div className="space-y-1">
            <Alert kind="error">{state.message}</Alert>
            {/* The same line for every failure: it tells a guesser nothing about this account. */}
            <p className="text-xs text-muted">If you&apos;ve tried several times, your account may be locked — check your e-mail.</p>
          </div>
        ) : null}
        <input type="hidden" name="callbackUrl" value={callbackUrl ?? ""} />
        <Field
          label="Username"
          name="username"
          // "webauthn": the browser may offer this site's passkeys here (PasskeySignIn's autofill).
          autoComplete="username webauthn"
          autoCapitalize="none"
          spellCheck={false}
          required
          maxLength={64}
          defaultValue={username}
          key={username ?? ""}
          errors={state.fieldErrors?.username}
        />
        <Field
          label="Password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          autoFocus={Boolean(username)}
          errors={state.fieldErrors?.password}
        />
        <Button type="submit" className="w-full" disabled={pending || Boolean(next)}>
          {pending || next ? "Signing in…" : "Sign in"}
        </Button>
      </form>
      <PasskeySignIn callbackUrl={callbackUrl ?? "/dashboard"} />
      {footer}
    </>
  );
}
