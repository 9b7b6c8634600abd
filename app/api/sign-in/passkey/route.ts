import { cookies } from "next/headers";
import { z } from "zod";
import type { SignInResult } from "@/components/auth/login-form";
import { publicAction } from "@/lib/actions/guard";
import type { ActionState } from "@/lib/actions/state";
import { clientIp, setSessionCookie, userAgent } from "@/lib/auth/current";
import { finishPasskeySignIn, passkeyBrowserCookie } from "@/lib/auth/passkey-sign-in";
import { safeCallbackUrl } from "@/lib/auth/sign-in";
import { getDb } from "@/lib/db";
import { scriptEndpoint } from "@/lib/http/script-endpoint";

const passkeySchema = z.object({ response: z.string().max(16_000), callbackUrl: z.string().max(2048).optional() });

/**
 * Passkey sign-in, step two (step one: app/api/passkey-sign-in): the assertion. A verified
 * session starts at once; the browser goes to its destination. Not a server action: a passkey
 * needs the page's script anyway, so this route is its only way in (lib/http/script-endpoint.ts:
 * the page's origin and header, a form body; the same guard as every action).
 */
const signInWithPasskey = publicAction(passkeySchema, async (input): Promise<ActionState<SignInResult>> => {
  const jar = await cookies();
  const result = await finishPasskeySignIn(await getDb(), input.response, {
    ip: await clientIp(),
    userAgent: await userAgent(),
    browserSecret: jar.get(passkeyBrowserCookie())?.value ?? null,
  });
  if (result.kind === "wait") {
    const seconds = Math.ceil(result.retryAfterMs / 1000);
    return { status: "error", code: "wait", retryAfterMs: result.retryAfterMs, message: `Too soon after a failed try. Wait ${seconds} second${seconds === 1 ? "" : "s"}, then try again.` };
  }
  if (result.kind === "refused") return { status: "error", message: result.message };
  await setSessionCookie(result.token);
  return { status: "ok", data: { next: safeCallbackUrl(input.callbackUrl) } };
});

export const POST = scriptEndpoint(signInWithPasskey);
