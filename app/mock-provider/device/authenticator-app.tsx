"use client";

import { generateSync } from "otplib";
import { useCallback, useEffect, useId, useState, useSyncExternalStore } from "react";
import { Alert, Button } from "@/components/ui";
import { useNow } from "./live";
import { addEntry, parseAuthenticatorInput, prefilledKey, readEntries, secondsLeft, storageKey, writeEntries, type PhoneEntry } from "@/lib/demo-phone/authenticator";

/** Re-reads when another tab (the enrolment page's "Add to the demo phone") changes storage. */
function subscribe(onChange: () => void) {
  window.addEventListener("storage", onChange);
  return () => window.removeEventListener("storage", onChange);
}

/** Changes made in this tab fire no "storage" event here: send one, so the list reads them. */
function storageChanged() {
  window.dispatchEvent(new StorageEvent("storage"));
}

function code(e: PhoneEntry, nowMs: number): string {
  try {
    return generateSync({ secret: e.secret, algorithm: e.algorithm, digits: e.digits, period: e.period, epoch: Math.floor(nowMs / 1000) });
  } catch {
    return "—";
  }
}

/**
 * The authenticator app inside the demo phone: entries in this browser's localStorage only,
 * codes computed here with otplib (the library the bank verifies with). `prefill` is a seeded
 * demo user's README secret, offered once so alice's and admin's phones work from the start.
 */
export function AuthenticatorApp({ owner, prefill }: { owner: string; prefill: string | null }) {
  const raw = useSyncExternalStore(
    subscribe,
    () => window.localStorage.getItem(storageKey(owner)),
    () => null,
  );
  const now = useNow();
  const [message, setMessage] = useState<{ kind: "ok" | "error"; text: string } | null>(null);
  const inputId = useId();

  useEffect(() => {
    if (prefill && !window.localStorage.getItem(prefilledKey(owner))) {
      const parsed = parseAuthenticatorInput(prefill, owner);
      if (parsed.ok) addEntry(window.localStorage, owner, parsed.entry, crypto.randomUUID());
      window.localStorage.setItem(prefilledKey(owner), "1");
      storageChanged();
    }
  }, [owner, prefill]);

  const entries = now === null ? [] : readEntries({ getItem: () => raw }, owner);

  const add = useCallback(
    (form: FormData) => {
      const parsed = parseAuthenticatorInput(String(form.get("entry") ?? ""), owner);
      if (!parsed.ok) {
        setMessage({ kind: "error", text: parsed.message });
        return;
      }
      addEntry(window.localStorage, owner, parsed.entry, crypto.randomUUID());
      storageChanged();
      setMessage({ kind: "ok", text: `Added ${parsed.entry.issuer}: ${parsed.entry.account}. Its codes are below.` });
    },
    [owner],
  );

  const remove = (id: string) => {
    const left = readEntries(window.localStorage, owner).filter((e) => e.id !== id);
    writeEntries(window.localStorage, owner, left);
    storageChanged();
    setMessage({ kind: "ok", text: "Removed. Signing in with that account now needs another method." });
  };

  return (
    <section aria-labelledby="authenticator-title" className="space-y-3" id="authenticator">
      <h2 id="authenticator-title" className="font-semibold">Authenticator</h2>
      {now !== null && entries.length === 0 ? <p className="text-sm text-muted">No accounts yet. Add one with its setup link or secret key.</p> : null}
      <ul className="space-y-2" aria-label="Authenticator accounts">
        {now !== null
          ? entries.map((e) => {
              const left = secondsLeft(e.period, now);
              const c = code(e, now);
              return (
                <li key={e.id} aria-label={`${e.issuer}: ${e.account}`} className="rounded-xl border border-line bg-white px-4 py-3">
                  <div className="flex items-baseline justify-between gap-2">
                    <p className="truncate text-sm text-muted">
                      {e.issuer}: <span className="text-ink">{e.account}</span>
                    </p>
                    <button type="button" onClick={() => remove(e.id)} className="text-xs text-muted underline" aria-label={`Remove ${e.issuer}: ${e.account}`}>
                      Remove
                    </button>
                  </div>
                  <div className="mt-1 flex items-center justify-between gap-3">
                    <p className="font-mono text-3xl font-semibold tracking-widest text-brand-700" data-testid="authenticator-code" data-code={c}>
                      <span className="sr-only">Code </span>
                      {c.length === 6 ? `${c.slice(0, 3)} ${c.slice(3)}` : c}
                    </p>
                    <p className="text-right text-xs text-muted" aria-label={`${left} seconds left`}>
                      <span className={left <= 5 ? "font-semibold text-warn" : ""}>{left} s</span>
                      <span aria-hidden className="mt-1 block h-1 w-16 overflow-hidden rounded bg-line">
                        <span className="block h-1 bg-brand-600" style={{ width: `${(left / e.period) * 100}%` }} />
                      </span>
                    </p>
                  </div>
                </li>
              );
            })
          : null}
      </ul>
      <form action={add} className="space-y-2" noValidate>
        <label htmlFor={inputId} className="block text-sm font-medium">
          Add an account: setup link (otpauth://…) or secret key
        </label>
        <input
          id={inputId}
          name="entry"
          autoComplete="off"
          spellCheck={false}
          aria-describedby={`${inputId}-msg`}
          className="w-full rounded-lg border border-line px-3 py-2 font-mono text-sm"
        />
        <Button type="submit" kind="secondary" className="w-full">
          Add account
        </Button>
        <div id={`${inputId}-msg`} aria-live="polite">
          {message ? <Alert kind={message.kind}>{message.text}</Alert> : null}
        </div>
      </form>
      <p className="text-xs text-muted">Kept in this browser only, like a real phone: the bank never sees these secrets.</p>
    </section>
  );
}
