import "server-only";
import { z } from "zod";
import type { Db, Tx } from "@/lib/db";
import type { ActionState } from "@/lib/actions/state";
import { audit, type PendingAudit } from "@/lib/audit";
import { ChallengeGone, consumeChallenge, type PendingConsume, type Purpose } from "./challenges";
import type { FactorInput, FactorUser } from "./factors/types";
import { attemptMfa, gateClaimed, peekAdmission, type AttemptOutcome } from "./lockout";
import { GateClosed, type PendingGate } from "@/lib/auth/sessions";
import { challengeAndFactor } from "./registry";
import type { Challenge } from "@/lib/db/schema";
import { MESSAGES } from "@/lib/messages";

export type VerifyOutcome<R> =
  | Exclude<AttemptOutcome<R>, { kind: "failed" }>
  /** A counted failure, with what the factor tells the user about its reason. */
  | (Extract<AttemptOutcome<R>, { kind: "failed" }> & { message?: string })
  | { kind: "expired" }
  | { kind: "factor_not_allowed" }
  /** A step that was not an attempt (a code sent, a push still pending): nothing counted. */
  | { kind: "continue"; data: unknown; message?: string }
  /** The factor's provider failed: nothing counted, audited. */
  | { kind: "unavailable"; message?: string };

/**
 * What every form that answers a challenge posts: the challenge, the factor chosen, and that
 * factor's own fields. The fields pass through as strings (up to 20 KB each) so a malformed
 * code still reaches the factor and counts as a failed attempt, as the lockout requires.
 */
export const factorField = z.string().max(20_000);
export const factorAnswerSchema = z.object({ challengeId: z.uuid(), factor: z.string().min(1).max(64) }).catchall(factorField);

/**
 * The writes an answer's success owes, for `onPassed` to fold into its own statement where it
 * can. `gate`: a sign-in answer whose factor checked it before the transaction
 * (`precheck`) — the row lock and the factor's claim, which the session's statement must carry
 * (lib/auth/sessions.ts `startSession`); nothing of the success is written unless it admits.
 */
export type SuccessWrites = { audit: PendingAudit; consume: PendingConsume; gate?: PendingGate };

/**
 * The one way any MFA challenge is answered — sign-in, password reset, step-up. The factor is
 * checked under the lockout model; on success the challenge is consumed and `onPassed` runs,
 * all in one transaction. A factor with `prepare` (an external provider) makes its HTTP calls
 * first, outside the lockout transaction; only the bookkeeping happens under the row lock.
 */
export async function answerChallenge<R>(
  db: Db,
  user: FactorUser & { ip: string | null },
  req: { challengeId: string; purpose: Purpose; factorId: string; input: FactorInput },
  /**
   * `pending`: the attempt's success audit row and the challenge's consumption, for a statement
   * of `onPassed` that can carry them (`startSession`); what it leaves is written after it.
   */
  onPassed: (tx: Tx, challenge: Challenge, pending: SuccessWrites) => Promise<R>,
  options: {
    /** The answer's read (lib/mfa/registry.ts `answerReadSql`), when the session lookup carried it. */
    read?: unknown;
    /**
     * `onPassed` starts the sign-in's session with `pending` (lib/auth/complete-sign-in.ts), as
     * its first statement: that statement can then carry the row lock and the factor's claim.
     */
    startsSession?: boolean;
  } = {},
): Promise<VerifyOutcome<R>> {
  // One read: the open challenge and whether the named factor may answer it.
  const { challenge, factor, factorRead, nowSeconds } = await challengeAndFactor(db, user, req, options.read);
  if (!challenge) return { kind: "expired" };
  if (!factor) return { kind: "factor_not_allowed" };
  let input = req.input;
  if (factor.prepare) {
    // A locked account or one in its backoff delay sends no push and no code.
    const admission = await peekAdmission(db, user.userId);
    if (admission.locked) return { kind: "locked" };
    if (admission.waitMs > 0) return { kind: "wait", retryAfterMs: admission.waitMs };
    const prepared = await factor.prepare(db, user, challenge, req.input);
    if (prepared.kind === "continue") return { kind: "continue", data: prepared.data, message: prepared.message };
    if (prepared.kind === "unavailable") {
      await audit(db, {
        action: "mfa.provider_fault",
        outcome: "failed",
        subjectUserId: user.userId,
        sessionId: user.sessionId,
        ip: user.ip,
        details: { factor: factor.id, purpose: req.purpose, fault: prepared.fault },
      });
      return { kind: "unavailable", message: prepared.message };
    }
    input = prepared.input;
  }
  // A sign-in's success starts a session, whose statement can carry the row lock and the
  // factor's claim (`precheck`: TOTP's HMAC, checked here with the read's clock and again under
  // the lock with the lock's): a clean answer is then one statement in its transaction.
  const precheck =
    options.startsSession && req.purpose === "sign_in" && factor.precheck && !factor.afterVerify
      ? await factor.precheck({ ...user, nowSeconds }, input, challenge, factorRead ?? undefined)
      : null;
  try {
    const outcome = await attemptMfa(
      db,
      { userId: user.userId, sessionId: user.sessionId, ip: user.ip, factor: factor.id, purpose: req.purpose },
      (tx, clock) => factor.verify(tx, { ...user, nowSeconds: clock.nowSeconds }, input, challenge, factorRead ?? undefined),
      async (tx, audit) => {
        // Consumed once, in this transaction. A sign-in's success starts a session, whose
        // statement consumes it (`startSession`); every other answer consumes it first, as
        // always. Not open any more: ChallengeGone rolls all of it back.
        const consume: PendingConsume = { id: challenge.id, factor: factor.id, done: false };
        if (req.purpose !== "sign_in") {
          if (!(await consumeChallenge(tx, challenge.id, factor.id))) throw new ChallengeGone();
          consume.done = true;
        }
        await factor.afterVerify?.(tx, user);
        const value = await onPassed(tx, challenge, { audit, consume });
        if (!consume.done && !(await consumeChallenge(tx, challenge.id, factor.id))) throw new ChallengeGone();
        return value;
      },
      precheck
        ? {
            precheck,
            start: async (tx, gate, audit) => {
              const pending: SuccessWrites = { audit, consume: { id: challenge.id, factor: factor.id, done: false }, gate: { gate, done: false } };
              try {
                const value = await onPassed(tx, challenge, pending);
                // The claim, the consumption and the session are one statement or nothing: an
                // `onPassed` that did not carry them made no pass count, so nothing of it may commit.
                if (!pending.gate!.done || !pending.consume.done) throw new Error("A sign-in's success must carry its gate and its challenge in the session's statement.");
                return { gate: null, value };
              } catch (err) {
                if (!(err instanceof GateClosed)) throw err;
                // Claimed, but the challenge was no longer open: roll the claim back too.
                if (gateClaimed(err.row)) throw new ChallengeGone();
                return { gate: err.row, value: null };
              }
            },
          }
        : undefined,
    );
    return outcome.kind === "failed" ? { ...outcome, message: factor.messages[outcome.reason] } : outcome;
  } catch (err) {
    if (err instanceof ChallengeGone) return { kind: "expired" };
    throw err;
  }
}

/** What the user sees for each outcome. A locked account ends the session: sign in again. */
export function outcomeToState(outcome: VerifyOutcome<unknown>): ActionState<never> {
  switch (outcome.kind) {
    case "ok":
      return { status: "ok" };
    case "expired":
      return { status: "error", message: MESSAGES.verificationGone };
    case "continue":
      return { status: "continue", message: outcome.message, step: outcome.data };
    case "unavailable":
      return { status: "error", code: "unavailable", message: outcome.message ?? MESSAGES.providerUnavailable };
    case "factor_not_allowed":
      return { status: "error", message: "That method is not available for this verification. Pick another one." };
    case "wait":
      return {
        status: "error",
        code: "wait",
        retryAfterMs: outcome.retryAfterMs,
        message: `Please wait ${Math.ceil(outcome.retryAfterMs / 1000)} s before trying again.`,
      };
    case "locked":
      return { status: "error", code: "locked", message: MESSAGES.locked };
    case "failed":
      if (outcome.locked) return { status: "error", code: "locked", message: MESSAGES.lockedNow };
      const message = outcome.message ?? "That did not work. Check it and try again.";
      // Every failure opens a backoff delay (lockout model); the client counts it down.
      return outcome.retryAfterMs > 0 ? { status: "error", code: "wait", retryAfterMs: outcome.retryAfterMs, message } : { status: "error", message };
  }
}
