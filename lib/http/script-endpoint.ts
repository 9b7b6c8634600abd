import "server-only";
import { unstable_rethrow } from "next/navigation";
import { idle, type ActionState } from "@/lib/actions/state";
import { sameOriginRequest } from "./action-request";
import { SCRIPT_HEADER } from "./script-call";

/**
 * A route handler for a server action that sets the session cookie, called by the page's script
 * (lib/http/script-call.ts `postStep`): the sign-in steps, app/api/sign-in/.
 *
 * Why: an action that sets a cookie makes Next render the action's page again inside its
 * response (Next 16 marks the path revalidated on every `cookies().set`, and offers no way
 * out). The sign-in form and the code step use only the action's state, so that render was
 * thrown away — about a quarter of a TOTP sign-in's server CPU (docs/PERFORMANCE.md). A route
 * handler answers the same state as JSON and renders nothing.
 *
 * It runs the very action function, with its guard, rate limits and audit (lib/actions/guard.ts):
 * no second sign-in path to keep equal. The action itself stays for a browser without JavaScript,
 * which posts the form to it and is redirected.
 *
 * What it adds is what Next's action handler does before an action runs:
 * - same origin only, by Next's own rule for actions: the `Origin` header's host must be the host
 *   the browser talked to, or the answer is a 403 and nothing runs (a cross-site form post
 *   cannot sign a browser in: login CSRF);
 * - the script's header (`x-mfa-bank-script`), which a cross-site form cannot send;
 * - a form body (multipart or urlencoded) of at most 64 KB, read before parsing; anything else
 *   is a 4xx with a sentence, and nothing runs.
 */
export const SCRIPT_BODY_LIMIT = 64 * 1024;

type Action = (prev: ActionState<unknown>, form: FormData) => Promise<ActionState<unknown>>;

const refuse = (status: number, message: string) => Response.json({ message }, { status, headers: { "cache-control": "no-store" } });

/** The body, or null when it is longer than `limit` bytes (read no further than that). */
async function readLimited(request: Request, limit: number): Promise<Uint8Array<ArrayBuffer> | null> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > limit) return null;
  if (!request.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

export function scriptEndpoint(action: Action) {
  return async function POST(request: Request): Promise<Response> {
    if (!sameOriginRequest(request.headers) || request.headers.get(SCRIPT_HEADER) !== "1") {
      return refuse(403, "This request must come from the bank's own page.");
    }
    const type = request.headers.get("content-type") ?? "";
    if (!/^(multipart\/form-data|application\/x-www-form-urlencoded)\s*(;|$)/i.test(type)) {
      return refuse(415, "The form could not be read.");
    }
    const body = await readLimited(request, SCRIPT_BODY_LIMIT).catch(() => null);
    if (!body) return refuse(413, "The form is too large.");
    let form: FormData;
    try {
      form = await new Response(body, { headers: { "content-type": type } }).formData();
    } catch {
      return refuse(400, "The form could not be read.");
    }
    try {
      const state = await action(idle, form);
      return Response.json(state, { headers: { "cache-control": "no-store" } });
    } catch (err) {
      unstable_rethrow(err); // an action's redirect() stays a redirect
      console.error("[sign-in endpoint] failed:", err instanceof Error ? `${err.name}: ${err.message}` : err);
      return refuse(500, "Something went wrong on our side. Nothing was changed; please try again.");
    }
  };
}
