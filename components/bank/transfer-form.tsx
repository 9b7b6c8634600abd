"use client";

import { useState } from "react";
import { transferFunds } from "@/app/(bank)/transfer/actions";
import { useStepUpForm } from "@/components/mfa/step-up";
import { Button, Field, FormResult, formatMoney, SelectField } from "@/components/ui";

type Option = { id: string; name: string; number: string; balanceMinor?: number };

/** The first destination that is not the paying account: another own account, else a payee. */
function firstOtherThan(from: string, accounts: Option[], payees: Option[]): string {
  const other = accounts.find((a) => a.id !== from);
  if (other) return `account:${other.id}`;
  return payees[0] ? `payee:${payees[0].id}` : "";
}

export function TransferForm({ accounts, payees }: { accounts: Option[]; payees: Option[] }) {
  // One key per intended transfer: a double click or a retried request never moves money twice.
  const [key, setKey] = useState(() => crypto.randomUUID());
  // "From" and "To" are the user's choices: never the same account, and both kept after a
  // transfer (only the amount and reference are cleared for the next one).
  const [from, setFrom] = useState(() => accounts[0]?.id ?? "");
  const [to, setTo] = useState(() => firstOtherThan(accounts[0]?.id ?? "", accounts, payees));
  const { state, pending, onSubmit, dialog } = useStepUpForm(transferFunds, {
    cancelMessage: "Transfer cancelled. No money was moved.",
    resumeKey: "transfer",
    onDone: (form) => {
      for (const name of ["amount", "memo"]) {
        const input = form.elements.namedItem(name);
        if (input instanceof HTMLInputElement) input.value = "";
      }
      setKey(crypto.randomUUID());
    },
  });
  const errors = state.fieldErrors ?? {};
  return (
    <>
    <form onSubmit={onSubmit} className="space-y-4" noValidate data-step-up="transfer">
      <FormResult state={state} />
      <input type="hidden" name="idempotencyKey" value={key} />
      <SelectField
        label="From"
        name="from"
        id="transfer-from"
        value={from}
        onChange={(e) => {
          setFrom(e.target.value);
          if (to === `account:${e.target.value}`) setTo(firstOtherThan(e.target.value, accounts, payees));
        }}
        errors={errors.from}
      >
        {accounts.map((a) => (
          <option key={a.id} value={a.id}>
            {a.name} ({formatMoney(a.balanceMinor ?? 0)})
          </option>
        ))}
      </SelectField>
      <SelectField label="To" name="to" id="transfer-to" value={to} onChange={(e) => setTo(e.target.value)} errors={errors.to}>
        {/* The paying account is no destination: it is left out, not offered and refused. */}
        {accounts.length > 1 ? (
          <optgroup label="Your accounts">
            {accounts
              .filter((a) => a.id !== from)
              .map((a) => (
                <option key={a.id} value={`account:${a.id}`}>
                  {a.name} ••{a.number.slice(-4)}
                </option>
              ))}
          </optgroup>
        ) : null}
        {payees.length ? (
          <optgroup label="Payees">
            {payees.map((p) => (
              <option key={p.id} value={`payee:${p.id}`}>
                {p.name} ••{p.number.slice(-4)}
              </option>
            ))}
          </optgroup>
        ) : null}
      </SelectField>
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
