"use server";

import { z } from "zod";
import type { CurrentSession } from "@/lib/auth/current";
import { endUserSessionsIn, findUserById, reasonSchema, resetUserMfaIn, type Actor } from "@/lib/admin/reset";
import { unlockUser as unlockAccount } from "@/lib/mfa/lockout";
import { declineOpenRequestIn, openRequestOf } from "@/lib/mfa/recovery-requests";
import { adminStepUpAction, Refusal, type RiskDecision, type StepUpContext } from "@/lib/mfa/step-up";
import { clientIp } from "@/lib/auth/current";
import { endSessionOf, isUnendedSessionOf } from "@/lib/auth/security-centre";
import { MESSAGES } from "@/lib/messages";

/**
 * The admin console's user actions. Each is an `adminStepUpAction`: role admin and MFA done
 * are checked before anything else, and the action runs only with a fresh MFA grant bound to
 * this action and this exact input (target user and reason) — one grant, one change.
 */

const targetSchema = z.object({ userId: z.uuid({ error: "Unknown user." }), reason: reasonSchema });

async function actorOf(session: CurrentSession): Promise<Actor> {
  return { userId: session.userId, label: session.username, sessionId: session.id, ip: await clientIp() };
}

/** Every user action needs MFA; an unknown target is refused before any challenge opens. */
async function targetRisk(input: { userId: string }, { tx }: StepUpContext, why: string): Promise<RiskDecision> {
  if (!(await findUserById(tx, input.userId))) return { decision: "block", message: "That user does not exist." };
  return { decision: "mfa", reason: why };
}

async function who(tx: StepUpContext["tx"], userId: string): Promise<string> {
  const u = await findUserById(tx, userId);
  return u ? `${u.displayName} (${u.username})` : "an unknown user";
}

export const resetUserMfa = adminStepUpAction(
  {
    action: "admin.mfa_reset",
    schema: targetSchema,
    risk: async (input, ctx) => {
      // From the page an admin never resets their own MFA: another admin, or the CLI, can.
      if (input.userId === ctx.session.userId) {
        return { decision: "block", message: MESSAGES.ownMfaReset };
      }
      return targetRisk(input, ctx, "admin resets a user's MFA");
    },
    describe: async (input, { tx }) => `Reset MFA for ${await who(tx, input.userId)}`,
    auditDetails: (i) => ({ target: i.userId, adminReason: i.reason }),
    revalidate: (i) => ["/admin/users", `/admin/users/${i.userId}`, ["/admin", "layout"]],
  },
  async (input, { tx, session }) => {
    const result = await resetUserMfaIn(tx, input.userId, await actorOf(session), input.reason);
    if (!result) throw new Refusal("That user does not exist.");
    return {
      status: "ok",
      message: `MFA reset for ${result.user.username}: ${result.factorsRemoved.length ? `removed ${result.factorsRemoved.join(", ")}` : "no factor was set up"}; ${result.sessionsEnded} session${result.sessionsEnded === 1 ? "" : "s"} ended.`,
    };
  },
);

export const unlockUser = adminStepUpAction(
  {
    action: "admin.unlock",
    schema: targetSchema,
    risk: (input, ctx) => targetRisk(input, ctx, "admin unlocks an account"),
    describe: async (input, { tx }) => `Unlock the account of ${await who(tx, input.userId)}`,
    auditDetails: (i) => ({ target: i.userId, adminReason: i.reason }),
    revalidate: (i) => ["/admin/users", `/admin/users/${i.userId}`],
  },
  async (input, { tx, session }) => {
    const actor = await actorOf(session);
    const ok = await unlockAccount(tx, input.userId, { userId: actor.userId, label: actor.label, ip: actor.ip, reason: input.reason });
    if (!ok) throw new Refusal("That user does not exist.");
    return { status: "ok", message: "Account unlocked: the user can sign in again." };
  },
);

export const endUserSessions = adminStepUpAction(
  {
    action: "admin.end_sessions",
    schema: targetSchema,
    risk: (input, ctx) => targetRisk(input, ctx, "admin ends a user's sessions"),
    describe: async (input, { tx }) => `End every session of ${await who(tx, input.userId)}`,
    auditDetails: (i) => ({ target: i.userId, adminReason: i.reason }),
    revalidate: (i) => [`/admin/users/${i.userId}`],
  },
  async (input, { tx, session }) => {
    const ended = await endUserSessionsIn(tx, input.userId, await actorOf(session), input.reason);
    if (ended === null) throw new Refusal("That user does not exist.");
    return { status: "ok", message: `${ended} session${ended === 1 ? "" : "s"} ended.` };
  },
);

const sessionTargetSchema = targetSchema.extend({ sessionId: z.uuid({ error: "Unknown session." }) });
const SESSION_GONE = "That session has already ended, or it is not one of this user's. Nothing was changed.";

/** One session of the user (the security centre's "Sign out this session", done by the bank). */
export const endUserSession = adminStepUpAction(
  {
    action: "admin.end_session",
    schema: sessionTargetSchema,
    risk: async (input, ctx) => {
      if (!(await isUnendedSessionOf(ctx.tx, input.userId, input.sessionId))) return { decision: "block", message: SESSION_GONE };
      return targetRisk(input, ctx, "admin ends one session of a user");
    },
    describe: async (input, { tx }) => `End one session of ${await who(tx, input.userId)}`,
    auditDetails: (i) => ({ target: i.userId, session: i.sessionId, adminReason: i.reason }),
    revalidate: (i) => [`/admin/users/${i.userId}`],
  },
  async (input, { tx, session }) => {
    const ended = await endSessionOf(tx, input.userId, input.sessionId, {
      sessionId: session.id,
      ip: await clientIp(),
      actorUserId: session.userId,
      actorLabel: session.username,
      reason: "ended_by_admin",
      adminReason: input.reason,
    });
    if (!ended) throw new Refusal(SESSION_GONE);
    return { status: "ok", message: "Session ended. That browser is signed out at its next request." };
  },
);

export const declineRecoveryRequest = adminStepUpAction(
  {
    action: "admin.recovery_decline",
    schema: targetSchema,
    risk: async (input, ctx) => {
      if (!(await openRequestOf(ctx.tx, input.userId))) return { decision: "block", message: "This user has no open recovery request." };
      return { decision: "mfa", reason: "admin declines a recovery request" };
    },
    describe: async (input, { tx }) => `Decline the recovery request of ${await who(tx, input.userId)}`,
    auditDetails: (i) => ({ target: i.userId, adminReason: i.reason }),
    revalidate: () => [["/admin", "layout"]],
  },
  async (input, { tx, session }) => {
    const actor = await actorOf(session);
    const id = await declineOpenRequestIn(tx, input.userId, actor, input.reason);
    if (!id) throw new Refusal("This user has no open recovery request.");
    return { status: "ok", message: "Request declined. The user was e-mailed your reason." };
  },
);
