import "server-only";
import { z } from "zod";
import { adminAction, userAction } from "@/lib/actions/guard";
import type { ActionState } from "@/lib/actions/state";
import { clientIp } from "@/lib/auth/current";
import { getDb } from "@/lib/db";
import { runGuarded, type StepUpContext, type StepUpOptions } from "./step-up-core";

export { inputHash, Refusal, runGuarded } from "./step-up-core";
export type { RiskDecision, StepUpContext, StepUpOptions, StepUpRequired } from "./step-up-core";

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
 * throw `Refusal` to roll everything back and answer a message.
 */
export function stepUpAction<S extends z.ZodObject, D = unknown>(
  opts: StepUpOptions<S>,
  handler: (input: z.infer<S>, ctx: StepUpContext) => Promise<ActionState<D>>,
) {
  const schema = opts.schema.extend({ grantId: z.uuid().optional() });
  return userAction(schema, async (parsed, session) => {
    const { grantId, ...input } = parsed as z.infer<S> & { grantId?: string };
    return runGuarded(await getDb(), session, await clientIp(), opts, input as z.infer<S>, grantId, handler);
  });
}

/**
 * The same guard for the admin console: `adminAction` first (signed in, MFA done, role admin —
 * checked before the risk rule runs or a challenge opens), then risk rule, grant and handler
 * exactly as above. A customer or a pending session never reaches the rule.
 */
export function adminStepUpAction<S extends z.ZodObject, D = unknown>(
  opts: StepUpOptions<S>,
  handler: (input: z.infer<S>, ctx: StepUpContext) => Promise<ActionState<D>>,
) {
  const schema = opts.schema.extend({ grantId: z.uuid().optional() });
  return adminAction(schema, async (parsed, session) => {
    const { grantId, ...input } = parsed as z.infer<S> & { grantId?: string };
    return runGuarded(await getDb(), session, await clientIp(), opts, input as z.infer<S>, grantId, handler);
  });
}

