import type { ActionState } from "@/lib/actions/state";

/**
 * A sign-in step sent by the page's script to its route handler (lib/http/script-endpoint.ts)
 * instead of through the server action, and the header that says so. Both run the same action
 * function; the route handler's answer is the action's state as JSON, with no page rendered.
 */
export const SCRIPT_HEADER = "x-mfa-bank-script";

/** The sign-in steps' route handlers (app/api/sign-in/). */
export const SIGN_IN_ENDPOINTS = { password: "/api/sign-in/password", answer: "/api/sign-in/answer", passkey: "/api/sign-in/passkey" } as const;

const NOT_REACHED = "The bank could not be reached. Check your connection, then try again.";
const UNREACHABLE: ActionState<never> = { status: "error", code: "unavailable", message: NOT_REACHED };

/** POSTs a form to a script endpoint; its answer, or "could not be reached" (never throws). */
export async function postStep<D>(endpoint: string, form: FormData): Promise<ActionState<D>> {
  try {
    const r = await fetch(endpoint, { method: "POST", body: form, headers: { [SCRIPT_HEADER]: "1" }, credentials: "same-origin", cache: "no-store" });
    if (!(r.headers.get("content-type") ?? "").startsWith("application/json")) return UNREACHABLE;
    const answer: unknown = await r.json();
    if (typeof answer !== "object" || answer === null) return UNREACHABLE;
    // A state from the action, or a refusal before it ran ({ message }, a 4xx).
    if ("status" in answer) return answer as ActionState<D>;
    const message = "message" in answer && typeof answer.message === "string" ? answer.message : NOT_REACHED;
    return { status: "error", message };
  } catch {
    return UNREACHABLE;
  }
}
