import "server-only";
import { headers } from "next/headers";
import { SCRIPT_HEADER } from "./script-call";

/**
 * Was this server action called by React's client (JavaScript running), or by a plain form
 * post (no JavaScript: progressive enhancement)? React's client marks its calls with the
 * `Next-Action` header (proxy.ts's gate tells them apart the same way); a plain post carries
 * the action id in the form body instead. The sign-in steps' route handlers
 * (lib/http/script-endpoint.ts) are only ever called by the page's script, which sends
 * `x-mfa-bank-script`.
 *
 * A script-called action that succeeds answers with state and lets the page navigate: a
 * `redirect()` there makes Next render the target page inside the action's response, through
 * an HTTP request to itself. A plain post has no script to navigate, so it
 * redirects — for a plain post Next answers with a 303 and renders nothing.
 */
export async function calledFromScript(): Promise<boolean> {
  const h = await headers();
  return h.has("next-action") || h.get(SCRIPT_HEADER) === "1";
}
