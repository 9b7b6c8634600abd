"use server";

import { AuthError } from "next-auth";
import { redirect } from "next/navigation";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { sessionAction } from "@/lib/actions/guard";
import type { ActionState } from "@/lib/actions/state";
import { signIn } from "@/lib/auth/auth";
import { clientIp, factorUser, userAgent, type CurrentSession } from "@/lib/auth/current";
import { noteSignInDevice } from "@/lib/auth/devices";
import { createSessionHandoff } from "@/lib/auth/sessions";
import { safeCallbackUrl } from "@/lib/auth/sign-in";
import { getDb, type Tx } from "@/lib/db";
import { audit } from "@/lib/mfa/audit";
import { queueMail } from "@/lib/mail/outbox";
import { fileRecoveryRequest, recoveryMessageSchema, REQUESTS_PER_DAY } from "@/lib/mfa/recovery-requests";
import { registrableFactors } from "@/lib/mfa/registry";
import { answerChallenge, outcomeToState } from "@/lib/mfa/verify";
import { isDatabaseUnavailable } from "@/lib/db/availability";

// Factor fields pass through as strings (up to 20 KB) so a malformed code still reaches the
// factor and counts as a failed attempt, as the lockout model requires.
const factorFields = z.string().max(20_000);

const verifySchema = z
  .object({ challengeId: z.uuid(), factor: z.string().min(1).max(64) })
  .catchall(factorFields);

/** MFA done for this sign-in: record it and mint the rotated, verified successor session. */
async function completeSignIn(tx: Tx, session: CurrentSession): Promise<string> {
  await tx.execute(sql`UPDATE users SET last_sign_in_at = now() WHERE id = ${session.userId}`);
  await noteSignInDevice(tx, session.userId);
  return createSessionHandoff(tx, {
    userId: session.userId,
    mfaState: "verified",
    rotatedFrom: session.id,
    mfaVerified: true,
    ip: await clientIp(),
    userAgent: await userAgent(),
  });
}

async function activate(handoff: string): Promise<ActionState | null> {
  try {
    await signIn("handoff", { handoff, redirect: false });
    return null;
  } catch (err) {
    // The handoff could not be redeemed because the database is away: the guard says so.
    if (isDatabaseUnavailable(err)) throw err;
    if (err instanceof AuthError) return { status: "error", message: "Your session has ended. Please sign in again.", code: "signed_out" };
    throw err;
  }
}

/** Answers the sign-in challenge; on success the session id rotates (pending → verified). */
export const verifySignIn = sessionAction(
  ["pending"],
  verifySchema,
  async (input, session) => {
    const { challengeId, factor, ...fields } = input;
    const db = await getDb();
    const outcome = await answerChallenge(
      db,
      { ...factorUser(session), ip: await clientIp() },
      { challengeId, purpose: "sign_in", factorId: factor, input: fields },
      async (tx, challenge) => ({
        handoff: await completeSignIn(tx, session),
        next: safeCallbackUrl(challenge.context.callbackUrl),
      }),
    );
    if (outcome.kind !== "ok") return outcomeToState(outcome);
    const failed = await activate(outcome.value.handoff);
    if (failed) return failed;
    redirect(outcome.value.next);
  },
  { repeatedFields: "join" },
);

const enrolSchema = z.object({ factor: z.string().min(1).max(64), callbackUrl: z.string().max(2048).optional() }).catchall(factorFields);

/**
 * Registration required (Q2's MFA_REQUIRES_REGISTRATION): a session in the "enrol" state
 * registers its first factor; proving the new factor completes MFA for this session.
 */
export const enrolFirstFactor = sessionAction(["enrol"], enrolSchema, async (input, session) => {
  const { factor: factorId, callbackUrl, ...fields } = input;
  const db = await getDb();
  const user = factorUser(session);
  const factor = (await registrableFactors(db, user, "sign_in")).find((f) => f.id === factorId && f.primary);
  if (!factor) return { status: "error", message: "Choose a method to set up." };
  const result = await db.transaction(async (tx) => {
    const r = await factor.register(tx, user, fields);
    if (!r.ok) return { ok: false as const, message: r.message };
    await audit(tx, { action: "factor.enrolled", outcome: "ok", subjectUserId: session.userId, sessionId: session.id, details: { factor: factor.id, during: "sign_in" } });
    await queueMail(tx, {
      userId: session.userId,
      to: session.email,
      subject: "A sign-in method was added to your MFA Bank account",
      body: `Hello ${session.username},\n\n${factor.name} was added to your account. If this was not you, contact the bank immediately.\n\nMFA Bank`,
    });
    return { ok: true as const, handoff: await completeSignIn(tx, session) };
  });
  if (!result.ok) return { status: "error", message: result.message, fieldErrors: { code: [result.message] } };
  const failed = await activate(result.handoff);
  if (failed) return failed;
  redirect(`/security?enrolled=1&next=${encodeURIComponent(safeCallbackUrl(callbackUrl))}`);
});

/** "Lost access to your authenticator?": only after the password (a pending session); grants nothing. */
export const requestMfaRecovery = sessionAction(["pending"], z.object({ message: recoveryMessageSchema }), async ({ message }, session) => {
  const result = await fileRecoveryRequest(
    await getDb(),
    { userId: session.userId, sessionId: session.id, username: session.username, email: session.email, displayName: session.displayName },
    message,
    { ip: await clientIp(), userAgent: await userAgent() },
  );
  switch (result.kind) {
    case "filed":
      return {
        status: "ok",
        message: "Request sent. We e-mailed you a confirmation. Someone at the bank will check it is really you, and we will e-mail you when it is decided.",
      };
    case "already_open":
      return { status: "error", message: "You already have a request with the bank. We will e-mail you when it is decided." };
    case "throttled":
      return { status: "error", message: `You sent ${REQUESTS_PER_DAY} requests today. Please call the bank instead.` };
  }
});
