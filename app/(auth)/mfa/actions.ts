"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { sessionAction } from "@/lib/actions/guard";
import { clientIp, factorUser, setSessionCookie, userAgent } from "@/lib/auth/current";
import { cookies } from "next/headers";
import { completeSignIn } from "@/lib/auth/complete-sign-in";
import { rememberDevice, setRememberCookie } from "@/lib/auth/remembered-devices";
import { safeCallbackUrl } from "@/lib/auth/sign-in";
import { getDb } from "@/lib/db";
import { audit } from "@/lib/audit";
import { queueMail } from "@/lib/mail/outbox";
import { mails } from "@/lib/mail/templates";
import { fileRecoveryRequest, recoveryMessageSchema, REQUESTS_PER_DAY } from "@/lib/mfa/recovery-requests";
import { registrableFactors } from "@/lib/mfa/registry";
import { challengeAction } from "@/lib/mfa/challenge-action";
import { factorField } from "@/lib/mfa/verify";
import { calledFromScript } from "@/lib/http/called-from-script";

/**
 * Answers the sign-in challenge; on success the session id rotates (pending → verified) and the
 * browser goes to its destination: a script navigates, a plain form post is redirected
 * (lib/http/called-from-script.ts).
 */
export const verifySignIn = challengeAction({
  who: ["pending"],
  purpose: "sign_in",
  startsSession: true,
  // "Don't ask for a code on this browser" (the group decides whether it counts).
  ownFields: ["remember"],
  prepare: async () => ({ ok: true, ctx: { ip: await clientIp(), userAgent: await userAgent() } }),
  onPassed: async (tx, { session, ctx: client, answer, challenge, pending }) => ({
    started: await completeSignIn(tx, session, client, pending),
    next: safeCallbackUrl(challenge.context.callbackUrl),
    remembered: answer.own.remember === "on" && answer.factor !== "recovery" ? await rememberDevice(tx, session.userId, client) : null,
  }),
  done: async ({ started, next, remembered }) => {
    await setSessionCookie(started.token, started.session);
    if (remembered) setRememberCookie(await cookies(), remembered);
    if (await calledFromScript()) return { status: "ok", data: { next } };
    redirect(next);
  },
});

const enrolSchema = z.object({ factor: z.string().min(1).max(64), callbackUrl: z.string().max(2048).optional() }).catchall(factorField);

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
      ...mails.factorAdded(session.username, factor.name),
    });
    return { ok: true as const, token: (await completeSignIn(tx, session, { ip: await clientIp(), userAgent: await userAgent() })).token };
  });
  if (!result.ok) return { status: "error", message: result.message, fieldErrors: { code: [result.message] } };
  await setSessionCookie(result.token);
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
