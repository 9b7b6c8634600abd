"use client";

import type { PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/browser";
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { ceremonyProblem } from "@/components/factors/passkey-problem";
import { Alert, Button } from "@/components/ui";
import { postStep, SIGN_IN_ENDPOINTS } from "@/lib/http/script-call";
import type { SignInResult } from "./login-form";

const webauthn = () => import("@simplewebauthn/browser");

/**
 * "Sign in with a passkey", and the browser's passkey autofill on the
 * username field (`autocomplete="username webauthn"`, WebAuthn conditional mediation) where the
 * browser supports it. Both use one ceremony, asked for when the page is idle, so the button's
 * ceremony starts straight from the click (Safari refuses one that starts after an awaited
 * request). Shown only once the page knows the browser can do WebAuthn: without JavaScript, or
 * without passkey support, there is nothing to click.
 */
export function PasskeySignIn({ callbackUrl }: { callbackUrl: string }) {
  const router = useRouter();
  const [supported, setSupported] = useState(false);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string>();
  const options = useRef<PublicKeyCredentialRequestOptionsJSON | null>(null);

  /**
   * A fresh ceremony. `quiet`: fetched ahead of any click (page load, after a refusal), so a
   * failure says nothing — the button asks again and then says why.
   */
  async function ceremony(quiet = false): Promise<PublicKeyCredentialRequestOptionsJSON | null> {
    // A route handler (app/api/passkey-sign-in/route.ts): it sets the ceremony's cookie without re-rendering the page.
    let problem = "Passkey sign-in is not available right now. Sign in with your password.";
    try {
      const res = await fetch("/api/passkey-sign-in", { method: "POST" });
      const body = (await res.json()) as { optionsJSON?: PublicKeyCredentialRequestOptionsJSON; message?: string };
      if (res.ok && body.optionsJSON) return body.optionsJSON;
      if (body.message) problem = body.message;
    } catch {
      // the sentence above
    }
    if (!quiet) setMessage(problem);
    return null;
  }

  /** The assertion to the server; true when signed in (the page then navigates away). */
  async function finish(response: unknown): Promise<boolean> {
    const form = new FormData();
    form.set("response", JSON.stringify(response));
    form.set("callbackUrl", callbackUrl);
    // The login action's route handler (lib/http/script-endpoint.ts): the session cookie without a page render.
    const r = await postStep<SignInResult>(SIGN_IN_ENDPOINTS.passkey, form);
    const next = r.status === "ok" && r.data && "next" in r.data ? r.data.next : null;
    if (next) {
      router.replace(next);
      return true;
    }
    setMessage(r.message);
    // A refused ceremony may be spent or expired: the next try gets a fresh one.
    options.current = await ceremony(true);
    return false;
  }

  useEffect(() => {
    let cancelled = false;
    const start = async () => {
      const lib = await webauthn();
      if (cancelled || !lib.browserSupportsWebAuthn()) return;
      setSupported(true);
      options.current = await ceremony(true);
      if (cancelled || !options.current || !(await lib.browserSupportsWebAuthnAutofill())) return;
      try {
        // Pending until the person picks a passkey in the username field's autofill; the
        // button's ceremony aborts it (the library keeps one ceremony at a time).
        const response = await lib.startAuthentication({ optionsJSON: options.current, useBrowserAutofill: true });
        setBusy(true);
        if (!(await finish(response))) setBusy(false);
      } catch {
        // Aborted by the button, or the page is leaving: nothing to say.
      }
    };
    const when = window.requestIdleCallback ?? ((f: () => void) => window.setTimeout(f, 200));
    when(() => void start());
    return () => {
      cancelled = true;
    };
    // Once per page view.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  async function onClick() {
    setMessage(undefined);
    setBusy(true);
    const lib = await webauthn();
    const optionsJSON = options.current ?? (await ceremony());
    if (!optionsJSON) return setBusy(false);
    let response;
    try {
      response = await lib.startAuthentication({ optionsJSON });
    } catch (err) {
      setMessage(ceremonyProblem(err, "sign_in"));
      return setBusy(false);
    }
    if (!(await finish(response))) setBusy(false);
  }

  if (!supported) return null;
  return (
    <div className="mt-6 space-y-3">
      <div className="flex items-center gap-3 text-xs text-muted" aria-hidden="true">
        <span className="h-px flex-1 bg-line" />
        or
        <span className="h-px flex-1 bg-line" />
      </div>
      {message ? (
        <Alert kind="error" id="passkey-sign-in-error">
          {message}
        </Alert>
      ) : null}
      <Button type="button" kind="secondary" className="w-full" disabled={busy} onClick={() => void onClick()}>
        {busy ? "Checking your passkey…" : "Sign in with a passkey"}
      </Button>
      <p className="text-center text-xs text-muted">No password needed: your fingerprint, face, screen lock or security key.</p>
    </div>
  );
}
