"use client";

import { addPayee, removePayee } from "@/app/(bank)/payees/actions";
import { useStepUpForm } from "@/components/mfa/step-up";
import { Button, Field, FormResult } from "@/components/ui";

export function AddPayeeForm() {
  const { state, pending, onSubmit, dialog } = useStepUpForm(addPayee, {
    cancelMessage: "Cancelled. The payee was not added.",
    resumeKey: "payee.add",
    onDone: (form) => form.reset(),
  });
  return (
    <>
    <form onSubmit={onSubmit} className="space-y-4" noValidate data-step-up="payee.add">
      <FormResult state={state} />
      <Field label="Payee name" name="name" autoComplete="off" maxLength={70} required errors={state.fieldErrors?.name} />
      <Field label="IBAN" name="accountNumber" autoComplete="off" spellCheck={false} required errors={state.fieldErrors?.accountNumber} />
      <Button type="submit" disabled={pending}>
        {pending ? "Adding…" : "Add payee"}
      </Button>
    </form>
    {dialog}
    </>
  );
}

export function RemovePayeeButton({ payeeId, name }: { payeeId: string; name: string }) {
  const { state, pending, onSubmit, dialog } = useStepUpForm(removePayee);
  return (
    <>
    <form onSubmit={onSubmit}>
      <input type="hidden" name="payeeId" value={payeeId} />
      <Button kind="secondary" type="submit" disabled={pending} aria-label={`Remove ${name}`} className="py-1.5">
        Remove
      </Button>
      <FormResult state={state} />
    </form>
    {dialog}
    </>
  );
}
