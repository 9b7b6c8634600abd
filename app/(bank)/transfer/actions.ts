"use server";

import { transferGuard, transferHandler } from "@/lib/bank/transfers";
import { stepUpAction } from "@/lib/mfa/step-up";

/** Transfers: risk rule + step-up grant bound to this exact transfer (lib/bank/transfers.ts). */
export const transferFunds = stepUpAction(
  { ...transferGuard, revalidate: () => ["/transfer", "/dashboard"], sessionUnchanged: true },
  transferHandler,
);
