"use server";

import { after } from "next/server";
import { z } from "zod";
import { publicAction } from "@/lib/actions/guard";
import { clientIp } from "@/lib/auth/current";
import { requestPasswordReset } from "@/lib/auth/password-reset";
import { getDb } from "@/lib/db";

const schema = z.object({
  identifier: z
    .string({ error: "Enter your username or email." })
    .trim()
    .min(1, "Enter your username or email.")
    .max(254, "At most 254 characters."),
});

const SENT = "If an account exists for that name, we sent a link to reset its password. Check your mailbox.";

/**
 * The same answer, status and time whether or not the account exists, is locked or has MFA:
 * the lookup, throttling and mail happen after the response has been sent.
 */
export const requestReset = publicAction(schema, async ({ identifier }) => {
  const ip = await clientIp();
  after(async () => {
    try {
      await requestPasswordReset(await getDb(), identifier, ip);
    } catch (err) {
      console.error("[reset] request failed:", err instanceof Error ? err.message : err);
    }
  });
  return { status: "ok", message: SENT };
});
