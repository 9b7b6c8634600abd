"use server";

import { z } from "zod";
import { userAction } from "@/lib/actions/guard";
import { clientIp } from "@/lib/auth/current";
import { getDb } from "@/lib/db";
import { audit } from "@/lib/audit";
import { cancelStepUpChallenge } from "@/lib/mfa/challenges";
import { stepUpAnswerAction } from "@/lib/mfa/step-up";

/** Answers a step-up challenge: a passed one becomes a grant (lib/mfa/step-up.ts). */
export const verifyStepUp = stepUpAnswerAction();

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
