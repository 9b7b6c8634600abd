/** The one state every form action returns. Never carries a password, code or secret back. */
export type ActionState<D = unknown> = {
  status: "idle" | "ok" | "error";
  message?: string;
  fieldErrors?: Record<string, string[] | undefined>;
  /** Machine-readable reason: the client reacts to it (open the MFA dialog, show a countdown). */
  /** "cancelled": the user chose to stop (closed the step-up dialog) — told calmly, not as an error. */
  code?: "mfa_required" | "wait" | "locked" | "signed_out" | "blocked" | "unavailable" | "must_change_password" | "cancelled";
  retryAfterMs?: number;
  data?: D;
};

export const idle: ActionState = { status: "idle" };
