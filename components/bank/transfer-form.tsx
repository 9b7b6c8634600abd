"use client";

import { useState } from "react";
import { transferFunds } from "@/app/(bank)/transfer/actions";
import { useStepUpForm } from "@/components/mfa/step-up";
import { Alert, Button, Field, formatMoney } from "@/components/ui";

type Option = { id: string; name: string; number: string; balanceMinor?: number };

export function TransferForm({ accounts, payees }: { accounts: Option[]; payees: Option[] }) {
  // One key per intended transfer: a double click or a retried request never moves money twice.
  const [key, setKey] = useState(() => crypto.randomUUID());
  const { state, pending, onSubmit, dialog } = useStepUpForm(transferFunds, {
    cancelMessage: "Transfer cancelled. No money was moved.",
    onDone: (form) => {
      form.reset();
      setKey(crypto.randomUUID());
    },
  });
  const errors = state.fieldErrors ?? {};
  return (
    <>
    <form onSubmit={onSubmit} className="space-y-4" noValidate>
      {state.status === "error" && state.message ? <Alert kind="error">{state.message}</Alert> : null}
      {state.status === "ok" && state.message ? <Alert kind="ok">{state.message}</Alert> : null}
      <input type="hidden" name="idempotencyKey" value={key} />
      <div className="space-y-1.5">
        <label htmlFor="transfer-from" className="block text-sm font-medium">
          From
        </label>
        <select id="transfer-from" name="from" className="block w-full rounded-lg border border-line bg-white px-3 py-2.5" aria-describedby="transfer-from-error">
          {accounts.map((a) => (
            <option key={a.id} value={a.id}>
              {a.name} ({formatMoney(a.balanceMinor ?? 0)})
            </option>
          ))}
        </select>
        <p id="transfer-from-error" aria-live="polite" className="text-sm text-danger">{errors.from?.[0] ?? ""}</p>
      </div>
      <div className="space-y-1.5">
        <label htmlFor="transfer-to" className="block text-sm font-medium">
          To
        </label>
        <select id="transfer-to" name="to" className="block w-full rounded-lg border border-line bg-white px-3 py-2.5" aria-describedby="transfer-to-error">
          <optgroup label="Your accounts">
            {accounts.map((a) => (
              <option key={a.id} value={`account:${a.id}`}>
                {a.name} ••{a.number.slice(-4)}
              </option>
            ))}
          </optgroup>
          {payees.length ? (
            <optgroup label="Payees">
              {payees.map((p) => (
                <option key={p.id} value={`payee:${p.id}`}>
                  {p.name} ••{p.number.slice(-4)}
                </option>
              ))}
            </optgroup>
          ) : null}
        </select>
        <p id="transfer-to-error" aria-live="polite" className="text-sm text-danger">{errors.to?.[0] ?? ""}</p>
      </div>
      <Field label="Amount (EUR)" name="amount" inputMode="decimal" autoComplete="off" placeholder="0.00" required errors={errors.amount} />
      <Field label="Reference (optional)" name="memo" maxLength={140} errors={errors.memo} />
      <Button type="submit" disabled={pending}>
        {pending ? "Sending…" : "Send money"}
      </Button>
    </form>
    {/* Outside the form: the dialog's own forms must not nest (or bubble) into this one. */}
    {dialog}
    </>
  );
}
