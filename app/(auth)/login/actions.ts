"use server";

import { AuthError } from "next-auth";
import { redirect } from "next/navigation";
import { z } from "zod";
import { publicAction } from "@/lib/actions/guard";
import { signIn } from "@/lib/auth/auth";
import { clientIp, userAgent } from "@/lib/auth/current";
import { passwordInputSchema, passwordSignIn, safeCallbackUrl, usernameSchema } from "@/lib/auth/sign-in";
import { getDb } from "@/lib/db";
import { isDatabaseUnavailable } from "@/lib/db/availability";

const signInSchema = z.object({
  username: usernameSchema,
  password: passwordInputSchema,
  callbackUrl: z.string().max(2048).optional(),
});

// One message for unknown user, wrong password and locked account: nothing to enumerate.
const GENERIC = "Incorrect username or password.";

export const signInWithPassword = publicAction(signInSchema, async (input) => {
  const result = await passwordSignIn(await getDb(), input, { ip: await clientIp(), userAgent: await userAgent() });
  if (!result.ok) return { status: "error", message: GENERIC };
  try {
    await signIn("handoff", { handoff: result.handoff, redirect: false });
  } catch (err) {
    // The handoff could not be redeemed because the database is away: the guard says so.
    if (isDatabaseUnavailable(err)) throw err;
    if (err instanceof AuthError) {
      console.error("[sign-in] handoff refused:", err.type, err.message);
      return { status: "error", message: GENERIC };
    }
    throw err;
  }
  const next = safeCallbackUrl(input.callbackUrl);
  if (result.mfaState === "pending") redirect(`/mfa?callbackUrl=${encodeURIComponent(next)}`);
  if (result.mfaState === "enrol") redirect(`/mfa/enrol?callbackUrl=${encodeURIComponent(next)}`);
  redirect(next);
});
