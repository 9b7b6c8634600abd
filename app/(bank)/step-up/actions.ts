"use server";

import { z } from "zod";
import { userAction } from "@/lib/actions/guard";
import { clientIp } from "@/lib/auth/current";
import { getDb } from "@/lib/db";
import { audit } from "@/lib/audit";
import { cancelStepUpChallenge, findOpenChallenge } from "@/lib/mfa/challenges";
import { mintGrant } from "@/lib/mfa/grants";
import { challengeAction } from "@/lib/mfa/challenge-action";

/**
 * Answers a step-up challenge. Passing mints a grant bound to the challenge's session, action
 * and input hash — the only way a grant comes to exist. Sign-in and reset challenges have
 * another purpose and are never found here.
 */
export const verifyStepUp = challengeAction({
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
