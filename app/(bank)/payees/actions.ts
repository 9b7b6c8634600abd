"use server";

import { z } from "zod";
import { maskAccount } from "@/lib/bank/money";
import { addPayeeOf, removePayeeOf } from "@/lib/bank/payees";
import { Refusal, stepUpAction } from "@/lib/mfa/step-up";

const addPayeeSchema = z.object({
  name: z.string().trim().min(1, "Enter the payee's name.").max(70, "At most 70 characters."),
  accountNumber: z
    .string()
    .transform((v) => v.replace(/\s+/g, "").toUpperCase())
    .pipe(z.string().regex(/^[A-Z]{2}[0-9]{2}[A-Z0-9]{8,30}$/, "Enter an IBAN like NL91 ABNA 0417 1643 00.")),
});

/** Adding a payee always needs MFA: it is how money leaves the bank. */
export const addPayee = stepUpAction(
  {
    action: "payee.add",
    schema: addPayeeSchema,
    risk: () => ({ decision: "mfa", reason: "adding a payee" }),
    describe: (i) => `Add payee ${i.name} ${maskAccount(i.accountNumber)}`,
    auditDetails: (i) => ({ name: i.name, account: maskAccount(i.accountNumber) }),
    revalidate: () => ["/payees", "/transfer"],
    sessionUnchanged: true,
  },
  async (input, { tx, session }) => {
    await addPayeeOf(tx, session.userId, input);
    return { status: "ok", message: `${input.name} added.` };
  },
);

export const removePayee = stepUpAction(
  {
    action: "payee.remove",
    schema: z.object({ payeeId: z.uuid() }),
    risk: () => ({ decision: "allow" }),
    describe: () => "Remove a payee",
    auditDetails: (i) => ({ payeeId: i.payeeId }),
    revalidate: () => ["/payees"],
    sessionUnchanged: true,
  },
  async (input, { tx, session }) => {
    if (!(await removePayeeOf(tx, session.userId, input.payeeId))) throw new Refusal("That payee does not exist.");
    return { status: "ok", message: "Payee removed." };
  },
);
