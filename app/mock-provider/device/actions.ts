"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { publicAction } from "@/lib/actions/guard";
import { getDb } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { answerPendingPush } from "@/mock-provider/device";

/**
 * The mock user's phone: approve a push by picking the number the bank shows, or deny it.
 * Part of the mock provider, not of the bank — it does not exist when the mock is off.
 */
const answerSchema = z.object({
  transactionId: z.uuid(),
  answer: z.union([z.literal("deny"), z.coerce.number().int().min(10).max(99)]),
});

export const answerPush = publicAction(answerSchema, async ({ transactionId, answer }) => {
  if (!getEnv().mockProviderEnabled) return { status: "error", message: "The mock provider is off." };
  const status = await answerPendingPush(await getDb(), transactionId, answer === "deny" ? null : answer);
  revalidatePath("/mock-provider/device");
  if (!status) return { status: "error", message: "This request is no longer pending." };
  return { status: "ok", message: status === "SUCCESS" ? "Approved." : "Denied." };
});
