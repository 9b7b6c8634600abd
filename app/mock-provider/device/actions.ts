"use server";

import { sql } from "drizzle-orm";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { publicAction } from "@/lib/actions/guard";
import { getDb, rows } from "@/lib/db";
import { getEnv } from "@/lib/env";

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
  const db = await getDb();
  // A wrong number is a denial: the person is not looking at the screen that asked.
  const updated = await rows<{ status: string }>(
    db,
    sql`UPDATE mock_provider_transactions
           SET status = CASE WHEN ${answer === "deny" ? null : answer}::int = number_to_match THEN 'SUCCESS' ELSE 'FAILED' END,
               completed_at = app_now()
         WHERE id = ${transactionId} AND capability = 'mobile_push' AND status = 'PENDING' AND expires_at > app_now()
         RETURNING status`,
  );
  revalidatePath("/mock-provider/device");
  if (!updated.length) return { status: "error", message: "This request is no longer pending." };
  return { status: "ok", message: updated[0]!.status === "SUCCESS" ? "Approved." : "Denied." };
});
