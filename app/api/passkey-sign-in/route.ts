import { cookies } from "next/headers";
import { clientIp } from "@/lib/auth/current";
import { beginPasskeySignIn, passkeyBrowserCookie } from "@/lib/auth/passkey-sign-in";
import { getDb } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { PASSKEY_CHALLENGE_MINUTES } from "@/lib/mfa/factors/passkey";

/**
 * Passkey-first sign-in, step one (lib/auth/passkey-sign-in.ts): a ceremony bound to this
 * browser by a short-lived cookie. A route handler, not a server action: an action that sets a
 * cookie makes Next render the page again, and /login would lose what it told the browser once
 * (why its session ended). Same-origin only (the Origin header), POST only; anything else
 * creates nothing.
 */
export async function POST(request: Request): Promise<Response> {
  const origin = request.headers.get("origin");
  if (origin !== new URL(getEnv().appUrl).origin) return Response.json({ message: "This request must come from the bank's own page." }, { status: 403 });
  const jar = await cookies();
  const name = passkeyBrowserCookie();
  const begun = await beginPasskeySignIn(await getDb(), { ip: await clientIp(), browserSecret: jar.get(name)?.value ?? null });
  if (!begun.ok) return Response.json({ message: begun.message }, { status: 429 });
  jar.set(name, begun.browserSecret, { httpOnly: true, sameSite: "strict", secure: getEnv().secureCookies, path: "/", maxAge: PASSKEY_CHALLENGE_MINUTES * 60 });
  return Response.json({ optionsJSON: begun.optionsJSON }, { headers: { "cache-control": "no-store" } });
}
