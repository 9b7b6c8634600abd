"use server";

import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { z } from "zod";
import type { SignInResult } from "@/components/auth/login-form";
import { publicAction } from "@/lib/actions/guard";
import type { ActionState } from "@/lib/actions/state";
import { clientIp, setSessionCookie, userAgent } from "@/lib/auth/current";
import { rememberCookieName, setRememberCookie } from "@/lib/auth/remembered-devices";
import { passwordInputSchema, passwordSignIn, safeCallbackUrl, usernameSchema } from "@/lib/auth/sign-in";
import { getDb } from "@/lib/db";
import { calledFromScript } from "@/lib/http/called-from-script";
import { signInStep } from "@/lib/mfa/sign-in-step";

const signInSchema = z.object({
  username: usernameSchema,
  password: passwordInputSchema,
  callbackUrl: z.string().max(2048).optional(),
});

// One message for unknown user, wrong password and locked account: nothing to enumerate.
const GENERIC = "Incorrect username or password.";

/**
 * The password step. A pending session's second step comes back as data and the form shows it
 * in place; a finished sign-in (or one that must set up a factor first) comes back as its
 * destination (lib/http/called-from-script.ts). Without JavaScript both redirect. The form's
 * script sends it to its route handler (app/api/sign-in/password), which runs this same
 * function and renders no page. The session starts in its final state in the password's
 * transaction (lib/auth/sign-in.ts); the cookie is written once that has committed.
 */
export const signInWithPassword = publicAction(signInSchema, async (input): Promise<ActionState<SignInResult>> => {
  const next = safeCallbackUrl(input.callbackUrl);
  const db = await getDb();
  const jar = await cookies();
  const result = await passwordSignIn(
    db,
    { ...input, callbackUrl: next },
    { ip: await clientIp(), userAgent: await userAgent(), rememberCookie: jar.get(rememberCookieName())?.value ?? null },
  );
  // The username comes back so the form keeps it; nothing else about the attempt does.
  if (!result.ok) return { status: "error", message: GENERIC, values: { username: input.username } };
  await setSessionCookie(result.token, result.session);
  if (result.remembered) setRememberCookie(jar, result.remembered);
  const script = await calledFromScript();
  if (result.mfaState === "pending" && script) {
    const step = await signInStep(db, result.user, result.challenge!, next, result.factors);
    return { status: "ok", data: { step } satisfies SignInResult };
  }
  const to =
    result.mfaState === "pending"
      ? `/mfa?callbackUrl=${encodeURIComponent(next)}`
      : result.mfaState === "enrol"
        ? `/mfa/enrol?callbackUrl=${encodeURIComponent(next)}`
        : next;
  if (script) return { status: "ok", data: { next: to } satisfies SignInResult };
  redirect(to);
});
