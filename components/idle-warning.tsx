"use client";

import { usePathname } from "next/navigation";
import { useCallback, useEffect, useRef, useState, useTransition } from "react";
import { signOutIdle, staySignedIn } from "@/app/(bank)/actions";
import { SignOutButton } from "@/components/sign-out-button";
import { Button, Modal } from "@/components/ui";

/** Shared by every tab of this browser (they share the session cookie): activity in one counts for all. */
const ACTIVITY_KEY = "mfa-bank.last-activity";

/**
 * WCAG 2.2.1 Timing Adjustable: before the idle timeout ends the session, the customer is told
 * and can extend it with one click. The server's idle timeout is the authority
 * (lib/auth/sessions.ts); this clock runs a little ahead of it, so the warning always comes in
 * time and, when nobody answers, the bank signs the session out itself (reason `idle`) and
 * /login says why. Activity here is what the server sees too: a page navigation or a form sent,
 * in any tab, or "Stay signed in".
 */
export function IdleWarning({ idleSeconds, warnSeconds }: { idleSeconds: number; warnSeconds: number }) {
  const pathname = usePathname();
  /** When this browser was last active (ms); the timers below restart whenever `epoch` moves. */
  const activeAt = useRef(0);
  const [epoch, setEpoch] = useState(0);
  const seenPath = useRef<string | null>(null);
  const [warning, setWarning] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const dialog = useRef<HTMLDialogElement>(null);
  const ending = useRef(false);

  const recordActivity = useCallback(() => {
    activeAt.current = Date.now();
    try {
      window.localStorage.setItem(ACTIVITY_KEY, String(activeAt.current));
    } catch {
      // Storage refused (private mode, quota): this tab still counts for itself.
    }
  }, []);

  const toLogin = useCallback(() => {
    // A full load on purpose: no page of the bank stays in the client router's memory.
    // eslint-disable-next-line @next/next/no-location-assign-relative-destination
    window.location.assign("/login");
  }, []);

  const endNow = useCallback(() => {
    if (ending.current) return;
    ending.current = true;
    startTransition(async () => {
      try {
        await signOutIdle(undefined, new FormData());
      } finally {
        toLogin();
      }
    });
  }, [toLogin]);

  useEffect(() => {
    // Another tab was active: start again from its moment (read only — no echo back).
    const onStorage = (e: StorageEvent) => {
      const at = e.key === ACTIVITY_KEY ? Number(e.newValue) : NaN;
      if (!Number.isFinite(at) || at <= activeAt.current) return;
      activeAt.current = at;
      setEpoch((n) => n + 1);
    };
    // A form sent (a transfer, a payee, a setting) reaches the server, which counts it too.
    const onSubmit = () => {
      recordActivity();
      setEpoch((n) => n + 1);
    };
    window.addEventListener("storage", onStorage);
    document.addEventListener("submit", onSubmit, true);
    return () => {
      window.removeEventListener("storage", onStorage);
      document.removeEventListener("submit", onSubmit, true);
    };
  }, [recordActivity]);

  // A navigation is activity (the server saw the request too). Then one timer to the next
  // boundary — the warning, then the end — recomputed from the clock whenever the tab comes
  // back: background tabs may run timers late.
  useEffect(() => {
    if (seenPath.current !== pathname) {
      seenPath.current = pathname;
      recordActivity();
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const check = () => {
      const elapsed = Date.now() - activeAt.current;
      if (elapsed >= idleSeconds * 1000) return endNow();
      const warn = elapsed >= (idleSeconds - warnSeconds) * 1000;
      setWarning(warn);
      if (!warn) setProblem(null);
      timer = setTimeout(check, (warn ? idleSeconds : idleSeconds - warnSeconds) * 1000 - elapsed);
    };
    check();
    const onVisible = () => {
      if (document.visibilityState !== "visible") return;
      clearTimeout(timer);
      check();
    };
    document.addEventListener("visibilitychange", onVisible);
    return () => {
      clearTimeout(timer);
      document.removeEventListener("visibilitychange", onVisible);
    };
  }, [pathname, epoch, idleSeconds, warnSeconds, recordActivity, endNow]);

  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (warning && !d.open) d.showModal(); // focus moves to the first button: "Stay signed in"
    if (!warning && d.open) d.close();
  }, [warning]);

  const stay = () =>
    startTransition(async () => {
      const result = await staySignedIn(undefined, new FormData());
      if (result.status === "ok") {
        recordActivity();
        return setEpoch((n) => n + 1);
      }
      if (result.code === "signed_out") return toLogin();
      setProblem(result.message ?? "That did not work. Please try again.");
    });

  return (
    <Modal
      ref={dialog}
      role="alertdialog"
      aria-labelledby="idle-warning-title"
      aria-describedby="idle-warning-text"
      // Escape: somebody is here — the same as "Stay signed in".
      onEscape={stay}
    >
      <h2 id="idle-warning-title" className="text-lg font-semibold">
        Are you still there?
      </h2>
      <p id="idle-warning-text" className="mt-2 text-sm">
        You will be signed out in {Math.round(warnSeconds / 60)} minutes because you have been inactive.
      </p>
      {problem ? (
        <p role="alert" className="mt-3 text-sm text-danger">
          {problem}
        </p>
      ) : null}
      <div className="mt-5 flex flex-wrap items-center gap-3">
        {/* First, so showModal() puts the focus on it. */}
        <Button type="button" onClick={stay} disabled={pending}>
          Stay signed in
        </Button>
        <SignOutButton />
      </div>
    </Modal>
  );
}
