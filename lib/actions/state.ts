import type { StepUpRequired } from "@/lib/mfa/step-up-types";

/** Per field, what is wrong with it (zod's flattened field errors). */
export type FieldErrors = Record<string, string[] | undefined>;

/**
 * A refusal: `message` is what the user reads (lib/messages.ts holds the ones said in more than
 * one place); `code`, when there is one, is what the client reacts to. Nothing changed.
 */
export type ErrorState = {
  status: "error";
  message: string;
  fieldErrors?: FieldErrors;
  /** What the form keeps after the refusal (a username; never a password, code or secret). */
  values?: Record<string, string>;
} & (
  | { code?: undefined }
  /** A backoff delay: the form counts down and comes back by itself. */
  | { code: "wait"; retryAfterMs: number }
  /** A step-up guard wants a second factor first: the client opens the dialog for `challenge`. */
  | { code: "mfa_required"; challenge: StepUpRequired }
  /** "cancelled": the user chose to stop (closed the step-up dialog) — told calmly, not as an error. */
  | { code: "locked" | "signed_out" | "blocked" | "unavailable" | "must_change_password" | "cancelled" }
);

/**
 * The one state every form action returns, a union tagged by `status` (and a refusal by `code`):
 * clients switch on it without casts. `message`, `fieldErrors` and `code` can be read on any
 * state; `data` only once `status` is "ok", `step` once it is "continue", `retryAfterMs` and
 * `challenge` once `code` says so. Never carries a password, code or secret back.
 */
export type ActionState<D = unknown> =
  | { status: "idle"; message?: undefined; fieldErrors?: undefined; code?: undefined }
  /** An answer that was a step, not an attempt (a code sent, a push still pending): nothing counted. */
  | { status: "continue"; step: unknown; message?: string; fieldErrors?: undefined; code?: undefined }
  | { status: "ok"; data?: D; message?: string; fieldErrors?: undefined; code?: undefined }
  | ErrorState;

export const idle = { status: "idle" } as const satisfies ActionState<never>;

/** A plain object (an action's `data`, a factor's step) — read without a cast. */
export function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}
