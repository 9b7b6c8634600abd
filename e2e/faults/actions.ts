import type { APIRequestContext } from "@playwright/test";
import { expect, test } from "../fixtures";
import { actionId, callAction } from "../server-actions";

/** Server actions called directly by the fault specs, their answers classified, and timed steps. */

export type Outcome = "ok" | "refused" | "unavailable" | "mfa_required" | "wait" | "http_error" | "no_answer";
export type Answer = { outcome: Outcome; status: number; body: string; ms: number };

/** Classifies an action's answer: ActionState fields appear in the RSC body as JSON. */
export async function act(request: APIRequestContext, url: string, file: string, name: string, fields: Record<string, string>, timeoutMs = 30_000): Promise<Answer> {
  const t = Date.now();
  let timer: NodeJS.Timeout | undefined;
  let res: { status: number; body: string };
  try {
    res = await Promise.race([
      callAction(request, url, actionId(file, name), fields),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (err) {
    // Connection refused or reset (a killed server), or no answer in time.
    return { outcome: "no_answer", status: 0, body: err instanceof Error ? err.message : String(err), ms: Date.now() - t };
  } finally {
    clearTimeout(timer);
  }
  const ms = Date.now() - t;
  const { status, body } = res;
  // A 5xx or a body without an action state: the app failed to answer cleanly.
  if (status >= 500 || !/"status":"(ok|error|idle|continue)"/.test(body)) return { outcome: "http_error", status, body, ms };
  const code = /"code":"(\w+)"/.exec(body)?.[1];
  if (code === "unavailable") return { outcome: "unavailable", status, body, ms };
  if (code === "mfa_required") return { outcome: "mfa_required", status, body, ms };
  if (code === "wait") return { outcome: "wait", status, body, ms };
  return { outcome: /"status":"error"/.test(body) ? "refused" : "ok", status, body, ms };
}

export const TRANSFER = ["app/(bank)/transfer/actions.ts", "transferFunds"] as const;
export const SIGN_IN = ["app/(auth)/login/actions.ts", "signInWithPassword"] as const;

/**
 * Signs a user without MFA in by calling the sign-in action directly (no page to load and
 * hydrate): the answer names the destination, and the session cookie lands in `request`'s jar —
 * a BrowserContext's request shares it with its pages.
 */
export async function signInByAction(request: APIRequestContext, base: string, user: { username: string; password: string }) {
  const a = await callAction(request, `${base}/login`, actionId(...SIGN_IN), { username: user.username, password: user.password });
  expect(a.status, `sign-in of ${user.username}`).toBe(200);
  expect(a.body, `sign-in of ${user.username}`).not.toContain("Incorrect username or password");
  const res = await request.get(`${base}/dashboard`, { maxRedirects: 0 });
  expect(res.status(), `${user.username} is signed in`).toBe(200);
}

export const VERIFY_STEP_UP = ["app/(bank)/step-up/actions.ts", "verifyStepUp"] as const;

/** test.step that also prints how long it took (the suite has a time budget). */
export async function timedStep<T>(name: string, body: () => Promise<T>): Promise<T> {
  const t = Date.now();
  try {
    return await test.step(name, body);
  } finally {
    console.log(`[faults]   ${((Date.now() - t) / 1000).toFixed(1)} s  ${name}`);
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
