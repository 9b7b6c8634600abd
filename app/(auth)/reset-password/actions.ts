"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { publicAction, sessionAction } from "@/lib/actions/guard";
import { signOut } from "@/lib/auth/auth";
import { clientIp, factorUser, setSessionCookie, userAgent } from "@/lib/auth/current";
import { newPasswordFields, newPasswordProblem } from "@/lib/auth/password-policy";
import {
  claimPasswordReset,
  findActiveReset,
  hashPassword,
  lockUserAndCheckLocked,
  markResetMfaPassed,
  setNewPassword,
  spendReset,
} from "@/lib/auth/password-reset";
import { getDb } from "@/lib/db";
import { answerChallenge, factorAnswerSchema, outcomeToState } from "@/lib/mfa/verify";

const LOCKED =
  "This account is locked, so its password cannot be reset yet. Unlock it first with the link in the lock e-mail, or call the bank.";

export const claimReset = publicAction(z.object({ token: z.string().min(20).max(200) }), async ({ token }) => {
  const result = await claimPasswordReset(await getDb(), token, { ip: await clientIp(), userAgent: await userAgent() });
  if (result.kind === "invalid") {
    // The page said so before the click unless the link died meanwhile. No "Request a new
    // link" here: the form shows that link once, under the message.
    return { status: "error", message: "This link has expired, was already used, or was replaced by a newer one." };
  }
  if (result.kind === "locked") return { status: "error", code: "locked", message: LOCKED };
  await setSessionCookie(result.token);
  redirect(result.needsMfa ? "/mfa" : "/reset-password/continue");
});


/** The reset's MFA: same page and factors as sign-in, purpose password_reset; it never signs in. */
export const verifyReset = sessionAction(
  ["reset"],
  factorAnswerSchema,
  async (input, session) => {
    const { challengeId, factor, ...fields } = input;
    const db = await getDb();
    const reset = await findActiveReset(db, session.id);
    if (!reset) return { status: "error", message: "This reset has expired. Request a new link." };
    const outcome = await answerChallenge(
      db,
      { ...factorUser(session), ip: await clientIp() },
      { challengeId, purpose: "password_reset", factorId: factor, input: fields },
      (tx) => markResetMfaPassed(tx, reset.id, session.id),
    );
    if (outcome.kind !== "ok") return outcomeToState(outcome);
    redirect("/reset-password/continue");
  },
  { repeatedFields: "join" },
);

const newPasswordSchema = z.object(newPasswordFields);

export const completeReset = sessionAction(["reset"], newPasswordSchema, async (input, session) => {
  if (input.newPassword !== input.confirmPassword) {
    return { status: "error", message: "The two passwords differ.", fieldErrors: { confirmPassword: ["The two passwords differ."] } };
  }
  const problem = await newPasswordProblem(input.newPassword, session.username);
  if (problem) return { status: "error", message: problem, fieldErrors: { newPassword: [problem] } };
  const db = await getDb();
  const passwordHash = await hashPassword(input.newPassword);
  const ip = await clientIp();
  const done = await db.transaction(async (tx) => {
    // Re-checked under the user's row lock: still this session's reset, MFA passed, not locked.
    const locked = await lockUserAndCheckLocked(tx, session.userId);
    const reset = await findActiveReset(tx, session.id);
    if (!reset || (reset.needsMfa && !reset.mfaPassed)) return "expired" as const;
    if (locked) return "locked" as const;
    if (!(await spendReset(tx, reset.id))) return "expired" as const;
    await setNewPassword(tx, { id: session.userId, username: session.username, email: session.email }, passwordHash, {
      via: "reset",
      sessionId: session.id,
      ip,
    });
    return "ok" as const;
  });
  if (done === "locked") return { status: "error", code: "locked", message: LOCKED };
  if (done === "expired") return { status: "error", message: "This reset has expired. Request a new link." };
  await signOut({ redirect: false });
  // Not signed in automatically: the next sign-in asks for the password and MFA.
  redirect("/login?changed=1");
});
