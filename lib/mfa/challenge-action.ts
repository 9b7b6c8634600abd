import "server-only";
import type { z } from "zod";
import { sessionAction, userAction } from "@/lib/actions/guard";
import type { ActionState } from "@/lib/actions/state";
import { clientIp, factorUser, type CurrentSession } from "@/lib/auth/current";
import type { MfaState, SessionRefs } from "@/lib/auth/sessions";
import { getDb, type Db, type Tx } from "@/lib/db";
import type { Challenge } from "@/lib/db/schema";
import type { Purpose } from "./challenges";
import { answerReadSql } from "./registry";
import { answerChallenge, factorAnswerSchema, outcomeToState, type SuccessWrites } from "./verify";

/** What the form posted: the challenge, the factor chosen, the action's own fields, the factor's fields. */
export type Answer = { challengeId: string; factor: string; own: Record<string, string | undefined>; fields: Record<string, string> };

/** The action's check before the factor is asked: the context it carries on, or the refusal the user sees. */
export type Prepared<Ctx> = { ok: true; ctx: Ctx } | { ok: false; state: ActionState<never> };

type Spec<Ctx, R, D> = {
  /** Who may answer: a session in one of these MFA states, or a user signed in with MFA done. */
  who: MfaState[] | "signed in";
  purpose: Purpose;
  /** Form fields that are the action's own, not the factor's ("remember this browser"). */
  ownFields?: readonly string[];
  /** Checks the challenge belongs to this action (a step-up's binding, a live reset) before any factor runs. */
  prepare: (session: CurrentSession, answer: Answer, db: Db) => Promise<Prepared<Ctx>>;
  /**
   * `onPassed` starts the sign-in's session with `pending` as its first statement
   * (lib/auth/complete-sign-in.ts): that statement then carries the row lock and the factor's
   * claim (lib/mfa/verify.ts `answerChallenge`, `startsSession`).
   */
  startsSession?: boolean;
  /** In the answer's transaction, once the factor passed: what the success writes (lib/mfa/verify.ts). */
  onPassed: (tx: Tx, p: { session: CurrentSession; ctx: Ctx; answer: Answer; challenge: Challenge; pending: SuccessWrites }) => Promise<R>;
  /** After that transaction committed: cookies, revalidation, and the answer (or a redirect). */
  done: (value: R, p: { session: CurrentSession; ctx: Ctx }) => Promise<ActionState<D>>;
};

/**
 * The one server action that answers a challenge — sign-in, password reset, presence, step-up.
 * Each states who may answer, its purpose, its check and what passing does; the answer itself
 * is `answerChallenge` (lockout, replay, one transaction; its challenge and factor read in the
 * guard's session lookup) and a refusal reads the same in every
 * flow (`outcomeToState`). Repeated form fields are joined, not refused: a malformed answer still
 * reaches the factor and counts as a failed attempt.
 */
export function challengeAction<Ctx, R, D = unknown>(spec: Spec<Ctx, R, D>) {
  const own = new Set(spec.ownFields ?? []);
  const handler = async (input: z.infer<typeof factorAnswerSchema>, session: CurrentSession, read?: unknown): Promise<ActionState<D>> => {
    const { challengeId, factor, ...rest } = input;
    const answer: Answer = { challengeId, factor, own: {}, fields: {} };
    for (const [k, v] of Object.entries(rest)) {
      if (own.has(k)) answer.own[k] = v;
      else answer.fields[k] = v;
    }
    const db = await getDb();
    const prepared = await spec.prepare(session, answer, db);
    if (!prepared.ok) return prepared.state;
    const { ctx } = prepared;
    const outcome = await answerChallenge(
      db,
      { ...factorUser(session), ip: await clientIp() },
      { challengeId, purpose: spec.purpose, factorId: factor, input: answer.fields },
      (tx, challenge, pending) => spec.onPassed(tx, { session, ctx, answer, challenge, pending }),
      { read, startsSession: spec.startsSession },
    );
    if (outcome.kind !== "ok") return outcomeToState(outcome);
    return spec.done(outcome.value, { session, ctx });
  };
  // The session lookup also reads the challenge, the factor and the group's policy (one read).
  const options = {
    repeatedFields: "join" as const,
    readAlong: (input: z.infer<typeof factorAnswerSchema>) => (refs: SessionRefs) =>
      answerReadSql(refs, { challengeId: input.challengeId, purpose: spec.purpose, factorId: input.factor }),
  };
  return spec.who === "signed in" ? userAction(factorAnswerSchema, handler, options) : sessionAction(spec.who, factorAnswerSchema, handler, options);
}
