"use client";

import { useState } from "react";
import { Alert, Button } from "@/components/ui";
import { addEntry, parseAuthenticatorInput } from "@/lib/demo-phone/authenticator";

/**
 * Demo only (shown where the mock provider runs, never in production): hands the setup link to
 * the demo phone in this same browser — written to its storage here and opened in a new tab.
 * The server keeps no copy and receives nothing: the link is already on this page.
 */
export function AddToDemoPhone({ uri }: { uri: string }) {
  const [done, setDone] = useState<{ ok: boolean; text: string; href?: string } | null>(null);
  const add = () => {
    const parsed = parseAuthenticatorInput(uri, "");
    if (!parsed.ok) {
      setDone({ ok: false, text: parsed.message });
      return;
    }
    const owner = parsed.entry.account;
    try {
      addEntry(window.localStorage, owner, parsed.entry, crypto.randomUUID());
    } catch {
      setDone({ ok: false, text: "This browser does not let the page store data, so the demo phone cannot keep the account. Copy the secret key instead." });
      return;
    }
    const href = `/mock-provider/device?user=${encodeURIComponent(owner)}#authenticator`;
    const tab = window.open(href, "mfa-bank-demo-phone");
    setDone({ ok: true, text: tab ? `Added to ${owner}'s demo phone, open in another tab. Enter the code it shows below.` : `Added to ${owner}'s demo phone.`, href });
  };
  return (
    <div className="mt-3 space-y-2">
      <Button type="button" kind="secondary" onClick={add}>
        Add to the demo phone
      </Button>
      <div aria-live="polite">
        {done ? (
          <Alert kind={done.ok ? "ok" : "error"}>
            {done.text}
            {done.href ? (
              <>
                {" "}
                <a href={done.href} target="mfa-bank-demo-phone" className="underline">
                  Open the demo phone
                </a>
              </>
            ) : null}
          </Alert>
        ) : null}
      </div>
    </div>
  );
}
