import "server-only";
import { unstable_rethrow } from "next/navigation";
import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { noteDatabaseUnavailable, outageCode, UNAVAILABLE_MESSAGE } from "@/lib/db/availability";
import { FULLY_SIGNED_IN, getCurrentSession, getCurrentSessionWith, isFullySignedIn, type CurrentSession } from "@/lib/auth/current";
import { sessionAdmits, type MfaState, type SessionAlong } from "@/lib/auth/sessions";
import { formToObject } from "./form";
import type { ActionState } from "./state";
import { MESSAGES } from "@/lib/messages";

/**
 * Every server action is built from one of these wrappers — a server action is a public
 * endpoint, so the check happens here, where the data is touched, never only in proxy.ts.
 *   publicAction  — anyone (sign-in, forgot password)
 *   sessionAction — a session in one of the given MFA states (the /mfa page: pending, enrol)
 *   userAction    — signed in with MFA done (or not required), and no new password owed
 *   adminAction   — userAction + role admin
 * `grep -rn '"use server"' app` lists the action files; each exports only wrapped functions.
 */

/** `read`: what `readAlong` read with the session (undefined when it was not carried). */
type Handler<S extends z.ZodType, Ctx, D> = (input: z.infer<S>, ctx: Ctx, read?: unknown) => Promise<ActionState<D>>;

export function fieldErrorsOf(error: z.ZodError): Record<string, string[] | undefined> {
  return z.flattenError(error).fieldErrors as Record<string, string[] | undefined>;
}

const signedOut: ActionState<never> = {
  status: "error",
  code: "signed_out",
  message: MESSAGES.sessionEnded,
};

/** A database outage: the action's transaction did not commit (or never began). */
export const databaseUnavailable: ActionState<never> = { status: "error", code: "unavailable", message: UNAVAILABLE_MESSAGE };

type BuildOptions<S extends z.ZodType = z.ZodType> = {
  repeatedFields?: "reject" | "join";
  /**
   * A read the handler needs, made in the session lookup's statement (an answer's challenge and
   * factor: lib/mfa/challenge-action.ts): built from the parsed input, evaluated only for a
   * session this wrapper admits (the same rule, in SQL: `sessionAdmits`). The form is then
   * parsed before the lookup, and its answer still comes after the session's.
   */
  readAlong?: (input: z.infer<S>) => SessionAlong["read"];
};

/** A wrapper's context step: the context the handler gets, or the state that refuses it. */
type Context<Ctx> = { ok: true; ctx: Ctx; read?: unknown } | { ok: false; state: ActionState<never> };

function build<S extends z.ZodType, Ctx, D>(
  schema: S,
  context: (along?: SessionAlong["read"]) => Promise<Context<Ctx>>,
  handler: Handler<S, Ctx, D>,
  options: BuildOptions<S> = {},
) {
  return async (_prev: unknown, form: FormData): Promise<ActionState<D>> => {
    try {
      const early = options.readAlong ? formToObject(form, options.repeatedFields) : undefined;
      const earlyParsed = early ? schema.safeParse(early) : undefined;
      const c = await context(earlyParsed?.success ? options.readAlong!(earlyParsed.data) : undefined);
      if (!c.ok) return c.state;
      const obj = early === undefined ? formToObject(form, options.repeatedFields) : early;
      if (!obj) return { status: "error", message: "The form could not be read. Please try again." };
      const parsed = earlyParsed ?? schema.safeParse(obj);
      if (!parsed.success) {
        return { status: "error", message: MESSAGES.checkFields, fieldErrors: fieldErrorsOf(parsed.error) };
      }
      return await handler(parsed.data, c.ctx, c.read);
    } catch (err) {
      unstable_rethrow(err); // redirect() and notFound() are control flow, not failures
      // The database is away (restart, terminated connection): its transaction did not commit
      // (or, rarely, its COMMIT's answer was lost) — say so, instead of the generic message,
      // and let proxy.ts answer pages with a 503 until it is back (docs/ARCHITECTURE.md, Outages).
      const outage = outageCode(err);
      if (outage) {
        console.error(`[action] database unavailable (${outage})`);
        noteDatabaseUnavailable();
        return databaseUnavailable;
      }
      console.error("[action] failed:", err instanceof Error ? `${err.name}: ${err.message}` : err);
      return { status: "error", message: "Something went wrong on our side. Nothing was changed; please try again." };
    }
  };
}

export function publicAction<S extends z.ZodType, D = unknown>(schema: S, handler: Handler<S, null, D>) {
  return build(schema, async () => ({ ok: true, ctx: null }), handler);
}

/**
 * The session check every non-public wrapper shares: a refusal answers before the form is read.
 * `admits` is the same check in SQL, for a read that rides in the lookup (`readAlong`).
 */
function withSession(check: (s: CurrentSession) => ActionState<never> | null, admits: SQL) {
  return async (read?: SessionAlong["read"]): Promise<Context<CurrentSession>> => {
    const found = read ? await getCurrentSessionWith({ read, admits }) : { session: await getCurrentSession(), along: undefined };
    const s = found?.session;
    if (!s) return { ok: false, state: signedOut };
    const refused = check(s);
    return refused ? { ok: false, state: refused } : { ok: true, ctx: s, read: found.along };
  };
}

export function sessionAction<S extends z.ZodType, D = unknown>(
  states: MfaState[],
  schema: S,
  handler: Handler<S, CurrentSession, D>,
  options?: BuildOptions<S>,
) {
  return build(schema, withSession((s) => (states.includes(s.mfaState) ? null : signedOut), sessionAdmits(states)), handler, options);
}

export function userAction<S extends z.ZodType, D = unknown>(
  schema: S,
  handler: Handler<S, CurrentSession, D>,
  options?: BuildOptions<S>,
) {
  return build(
    schema,
    withSession((s) => (!isFullySignedIn(s) ? signedOut : s.mustChangePassword ? passwordFirst : null), sessionAdmits(FULLY_SIGNED_IN, { clear: true })),
    handler,
    options,
  );
}

const adminOnly: ActionState<never> = { status: "error", message: "This needs an administrator." };

/** After "This wasn't me": nothing but the new password (app/(auth)/change-password) until it is set. */
const passwordFirst: ActionState<never> = {
  status: "error",
  code: "must_change_password",
  message: "Choose a new password first. Reload the page to get to the form.",
};

export function adminAction<S extends z.ZodType, D = unknown>(schema: S, handler: Handler<S, CurrentSession, D>) {
  return build(
    schema,
    withSession(
      (s) => (!isFullySignedIn(s) ? signedOut : s.mustChangePassword ? passwordFirst : s.role !== "admin" ? adminOnly : null),
      sql`(${sessionAdmits(FULLY_SIGNED_IN, { clear: true })} AND u.role = 'admin')`,
    ),
    handler,
  );
}
