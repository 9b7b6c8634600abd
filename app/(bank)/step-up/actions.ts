"use server";

import { z } from "zod";
import { userAction } from "@/lib/actions/guard";
import { clientIp, factorUser } from "@/lib/auth/current";
import { getDb } from "@/lib/db";
import { audit } from "@/lib/audit";
import { cancelStepUpChallenge, findOpenChallenge } from "@/lib/mfa/challenges";
import { mintGrant } from "@/lib/mfa/grants";
import { answerChallenge, factorAnswerSchema, outcomeToState } from "@/lib/mfa/verify";

/**
 * Answers a step-up challenge. Passing mints a grant bound to the challenge's session, action
 * and input hash — the only way a grant comes to exist. Sign-in and reset challenges have
 * another purpose and are never found here.
 */
export const verifyStepUp = userAction(
  factorAnswerSchema,
  async (input, session) => {
    const { challengeId, factor, ...fields } = input;
    const db = await getDb();
    const challenge = await findOpenChallenge(db, challengeId, session.id, "step_up");
    const action = challenge?.context.action;
    const hash = challenge?.context.inputHash;
    if (!challenge || typeof action !== "string" || typeof hash !== "string") {
      return { status: "error", message: "This confirmation has expired. Please submit the form again." };
    }
    const outcome = await answerChallenge(
      db,
      { ...factorUser(session), ip: await clientIp() },
      { challengeId, purpose: "step_up", factorId: factor, input: fields },
      (tx) => mintGrant(tx, { sessionId: session.id, userId: session.userId, action, inputHash: hash, challengeId }),
    );
    if (outcome.kind !== "ok") return outcomeToState(outcome);
    return { status: "ok", data: { grantId: outcome.value } };
  },
  { repeatedFields: "join" },
);

/** Cancelling closes the challenge; nothing else had happened, so nothing is half-done. */
export const cancelStepUp = userAction(z.object({ challengeId: z.uuid() }), async ({ challengeId }, session) => {
  const db = await getDb();
  await db.transaction(async (tx) => {
    if (await cancelStepUpChallenge(tx, challengeId, session.id)) {
      await audit(tx, { action: "step_up.canceled", outcome: "ok", subjectUserId: session.userId, sessionId: session.id, ip: await clientIp() });
    }
  });
  return { status: "ok" };
});
