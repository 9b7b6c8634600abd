import "server-only";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { adminAction, userAction } from "@/lib/actions/guard";
import type { ActionState } from "@/lib/actions/state";
import { clientIp, keepCheckedSession, type CurrentSession } from "@/lib/auth/current";
import { getDb } from "@/lib/db";
import { runGuarded, type StepUpContext, type StepUpOptions } from "./step-up-core";
import { challengeAction } from "./challenge-action";
import { findOpenChallenge } from "./challenges";
import { mintGrant } from "./grants";

export { inputHash, Refusal, runGuarded } from "./step-up-core";
export type { RiskDecision, StepUpContext, StepUpOptions, StepUpRequired } from "./step-up-core";

/** A path for `revalidatePath`, or a path and its type ("layout" refreshes everything under it). */
type Revalidation = string | [string, "layout" | "page"];
type ActionOptions<S extends z.ZodObject> = StepUpOptions<S> & {
  revalidate?: (input: z.infer<S>) => Revalidation[];
  /**
   * The action ends, rotates or changes no session and no field the session lookup reads (role,
   * name, a new password owed): the page Next renders in its response reuses the session the
   * guard checked (lib/auth/current.ts `keepCheckedSession`). Leave it out when in doubt.
   */
  sessionUnchanged?: boolean;
};

/** Runs the guarded action, then — after its transaction committed, and only when it succeeded — refreshes its pages. */
async function runAndRevalidate<S extends z.ZodObject>(
  opts: ActionOptions<S>,
  run: () => Promise<ActionState>,
  input: z.infer<S>,
  session: CurrentSession,
): Promise<ActionState> {
  const state = await run();
  if (state.status === "ok" && opts.revalidate) {
    if (opts.sessionUnchanged) await keepCheckedSession(session);
    for (const r of opts.revalidate(input)) {
      if (typeof r === "string") revalidatePath(r);
      else revalidatePath(r[0], r[1]);
    }
  }
  return state;
}

/**
 * The step-up guard (Q2's @mfa_validation_required + event-driven validation). A sensitive
 * server action is declared with `stepUpAction(options, handler)`:
 *
 *   risk rule → allow | mfa | block
 *   mfa without a grant → "MFA required" + a step_up challenge bound to this session, this
 *     action and SHA-256(exact validated input); the client opens the MFA dialog by itself
 *     (components/mfa/step-up.tsx), answers it (verifyStepUp mints a grant), and retries.
 *   with a grant → consumed atomically in the action's own transaction: single use, this
 *     session, this action, this input (a grant presented with other input is voided), and
 *     unexpired (settings.mfa_token_lifetime_minutes; activity never extends it).
 *
 * The handler runs in that same transaction: money, audit and grant commit together. It may
 * throw `Refusal` to roll everything back and answer a message. Pages to refresh are named in
 * `revalidate` and refreshed only once that transaction has committed with an ok answer: a
 * rolled-back change must not purge a page, nor a page be re-rendered before the change is there.
 */
export function stepUpAction<S extends z.ZodObject, D = unknown>(
  opts: ActionOptions<S>,
  handler: (input: z.infer<S>, ctx: StepUpContext) => Promise<ActionState<D>>,
) {
  return guardedAction(userAction, opts, handler);
}

/**
 * The same guard for the admin console: `adminAction` first (signed in, MFA done, role admin —
 * checked before the risk rule runs or a challenge opens), then risk rule, grant and handler
 * exactly as above. A customer or a pending session never reaches the rule.
 */
export function adminStepUpAction<S extends z.ZodObject, D = unknown>(
  opts: ActionOptions<S>,
  handler: (input: z.infer<S>, ctx: StepUpContext) => Promise<ActionState<D>>,
) {
  return guardedAction(adminAction, opts, handler);
}

/** The one body of both: the action's schema takes an optional grant, and the guard runs it. */
function guardedAction<S extends z.ZodObject, D>(
  wrap: typeof userAction,
  opts: ActionOptions<S>,
  handler: (input: z.infer<S>, ctx: StepUpContext) => Promise<ActionState<D>>,
) {
  const schema = opts.schema.extend({ grantId: z.uuid().optional() });
  return wrap(schema, async (parsed, session) => {
    const { grantId, ...rest } = parsed as z.infer<S> & { grantId?: string };
    const input = rest as z.infer<S>;
    const ip = await clientIp();
    return runAndRevalidate(opts, async () => runGuarded(await getDb(), { session, ip, guard: opts, input, grantId, handler }), input, session);
  });
}


/**
 * The step-up dialog's answer (components/mfa/step-up.tsx posts it): the challenge must be an
 * open step-up of this session, carrying the action and input hash it was opened for; passing
 * mints a grant bound to exactly those — with the redirect provider's callback, the only way a
 * grant comes to exist. Sign-in and reset challenges have another purpose and are never found here.
 */
export function stepUpAnswerAction() {
  return challengeAction({
    who: "signed in",
    purpose: "step_up",
    prepare: async (session, { challengeId }, db) => {
      const challenge = await findOpenChallenge(db, challengeId, session.id, "step_up");
      const action = challenge?.context.action;
      const inputHash = challenge?.context.inputHash;
      if (!challenge || typeof action !== "string" || typeof inputHash !== "string") {
        return { ok: false, state: { status: "error", message: "This confirmation has expired. Please submit the form again." } };
      }
      return { ok: true, ctx: { action, inputHash } };
    },
    onPassed: (tx, { session, ctx, answer }) => mintGrant(tx, { sessionId: session.id, userId: session.userId, ...ctx, challengeId: answer.challengeId }),
    done: async (grantId) => ({ status: "ok", data: { grantId } }),
  });
}
