"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { publicAction, sessionAction } from "@/lib/actions/guard";
import { signOut } from "@/lib/auth/auth";
import { clientIp, setSessionCookie, userAgent } from "@/lib/auth/current";
import { newPasswordFields, newPasswordProblem } from "@/lib/auth/password-policy";
import {
  claimPasswordReset,
  findActiveReset,
  hashPassword,
  finishPasswordReset,
  markResetMfaPassed,
} from "@/lib/auth/password-reset";
import { getDb } from "@/lib/db";
import { challengeAction } from "@/lib/mfa/challenge-action";

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
export const verifyReset = challengeAction({
  who: ["reset"],
  purpose: "password_reset",
  prepare: async (session, _answer, db) => {
    const reset = await findActiveReset(db, session.id);
    return reset ? { ok: true, ctx: reset } : { ok: false, state: { status: "error", message: "This reset has expired. Request a new link." } };
  },
  onPassed: (tx, { session, ctx: reset }) => markResetMfaPassed(tx, reset.id, session.id),
  done: async () => redirect("/reset-password/continue"),
});

const newPasswordSchema = z.object(newPasswordFields);

export const completeReset = sessionAction(["reset"], newPasswordSchema, async (input, session) => {
  if (input.newPassword !== input.confirmPassword) {
    return { status: "error", message: "The two passwords differ.", fieldErrors: { confirmPassword: ["The two passwords differ."] } };
  }
  const problem = await newPasswordProblem(input.newPassword, session.username);
  if (problem) return { status: "error", message: problem, fieldErrors: { newPassword: [problem] } };
  const done = await finishPasswordReset(await getDb(), session, await hashPassword(input.newPassword), await clientIp());
  if (done.kind === "locked") return { status: "error", code: "locked", message: LOCKED };
  if (done.kind === "expired") return { status: "error", message: "This reset has expired. Request a new link." };
  await signOut({ redirect: false });
  // Not signed in automatically: the next sign-in asks for the password and MFA.
  redirect("/login?changed=1");
});
