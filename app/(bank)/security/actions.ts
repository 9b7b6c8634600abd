"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { userAction } from "@/lib/actions/guard";
import type { ActionState } from "@/lib/actions/state";
import { clientIp, factorUser, type CurrentSession } from "@/lib/auth/current";
import { signOut } from "@/lib/auth/auth";
import { newPasswordFields, newPasswordProblem } from "@/lib/auth/password-policy";
import { hashPassword, setNewPassword } from "@/lib/auth/password-reset";
import { passwordInputSchema } from "@/lib/auth/sign-in";
import { verifyPassword } from "@/lib/auth/password";
import { getDb, rows } from "@/lib/db";
import { queueMail } from "@/lib/mail/outbox";
import { audit } from "@/lib/mfa/audit";
import { openChallenge } from "@/lib/mfa/challenges";
import { recordPasswordAttempt } from "@/lib/mfa/lockout";
import { getFactor, groupRequiresMfa, hasPrimaryFactor } from "@/lib/mfa/registry";
import { answerChallenge, outcomeToState } from "@/lib/mfa/verify";

/**
 * Presence before change (Extra Horizon): adding or removing a factor or regenerating codes
 * needs the password within the last 5 minutes and, when the user has MFA, a verified MFA
 * within the last 5 minutes. Checked here, in every action — the page only mirrors it.
 */
async function presenceMissing(session: CurrentSession): Promise<ActionState | null> {
  const hasMfa = await hasPrimaryFactor(await getDb(), session.userId);
  if (session.passwordFresh && (!hasMfa || session.mfaFresh)) return null;
  return { status: "error", message: "For your security, confirm it's you first (password and code)." };
}

const presenceSchema = z
  .object({ password: passwordInputSchema, factor: z.string().max(64).optional() })
  .catchall(z.string().max(20_000));

export const confirmPresence = userAction(
  presenceSchema,
  async (input, session) => {
    const db = await getDb();
    const ip = await clientIp();
    const [u] = await rows<{ password_hash: string }>(db, sql`SELECT password_hash FROM users WHERE id = ${session.userId}`);
    const hasMfa = await hasPrimaryFactor(db, session.userId);
    const passwordOk = await verifyPassword(u?.password_hash, input.password);
    const pw = await recordPasswordAttempt(
      db,
      { userId: session.userId, sessionId: session.id, ip, factor: "password", purpose: "presence", passwordOk, userHasMfa: hasMfa },
      (tx) => tx.execute(sql`UPDATE sessions SET password_verified_at = now() WHERE id = ${session.id}`),
    );
    if (pw.kind === "locked" || (pw.kind === "failed" && pw.locked)) {
      return { status: "error", code: "signed_out", message: "Your session has ended. Please sign in again." };
    }
    if (pw.kind !== "ok") return { status: "error", message: "That password is not right.", fieldErrors: { password: ["That password is not right."] } };
    if (!hasMfa || session.mfaFresh) {
      revalidatePath("/security");
      return { status: "ok", message: "Thanks — you can make changes for the next 5 minutes." };
    }
    const { password: _p, factor, ...fields } = input;
    void _p;
    const challenge = await openChallenge(db, { sessionId: session.id, userId: session.userId, purpose: "step_up", key: "presence" });
    const outcome = await answerChallenge(
      db,
      { ...factorUser(session), ip },
      { challengeId: challenge.id, purpose: "step_up", factorId: factor ?? "totp", input: fields },
      (tx) => tx.execute(sql`UPDATE sessions SET mfa_verified_at = now() WHERE id = ${session.id}`),
    );
    if (outcome.kind !== "ok") return outcomeToState(outcome);
    revalidatePath("/security");
    return { status: "ok", message: "Thanks — you can make changes for the next 5 minutes." };
  },
  { repeatedFields: "join" },
);

const registerSchema = z.object({ factor: z.string().min(1).max(64) }).catchall(z.string().max(20_000));

/** Adds a factor (or regenerates recovery codes — the recovery factor's "registration"). */
export const registerFactor = userAction(registerSchema, async (input, session) => {
  const missing = await presenceMissing(session);
  if (missing) return missing;
  const { factor: factorId, ...fields } = input;
  const factor = getFactor(factorId);
  const db = await getDb();
  const user = factorUser(session);
  if (!factor || !(await factor.userCanRegister(db, user))) {
    return { status: "error", message: "That method cannot be added to your account now." };
  }
  const result = await db.transaction(async (tx) => {
    const r = await factor.register(tx, user, fields);
    if (!r.ok) return r;
    const regenerated = factor.id === "recovery";
    await audit(tx, {
      action: regenerated ? "recovery_codes.regenerated" : "factor.enrolled",
      outcome: "ok",
      subjectUserId: session.userId,
      sessionId: session.id,
      ip: await clientIp(),
      details: { factor: factor.id },
    });
    await queueMail(tx, {
      userId: session.userId,
      to: session.email,
      subject: regenerated ? "New recovery codes were created for your MFA Bank account" : "A sign-in method was added to your MFA Bank account",
      body:
        `Hello ${session.username},\n\n` +
        (regenerated ? "New recovery codes were created; the old ones no longer work." : `${factor.name} was added to your account.`) +
        " If this was not you, contact the bank immediately.\n\nMFA Bank",
    });
    if (factor.primary && session.mfaState === "none") {
      // Proving the new factor just now counts as MFA for this session.
      await tx.execute(sql`UPDATE sessions SET mfa_state = 'verified', mfa_verified_at = now() WHERE id = ${session.id}`);
    }
    return r;
  });
  if (!result.ok) return { status: "error", message: result.message, fieldErrors: { code: [result.message] } };
  revalidatePath("/security");
  return {
    status: "ok",
    message: factor.id === "recovery" ? "New recovery codes created." : `${factor.name} added.`,
    data: result.data,
  };
});

const removeSchema = z.object({ factor: z.string().min(1).max(64) });

export const removeFactor = userAction(removeSchema, async (input, session) => {
  const missing = await presenceMissing(session);
  if (missing) return missing;
  const factor = getFactor(input.factor);
  const db = await getDb();
  if (!factor || !(await factor.isActive(db, session.userId))) return { status: "error", message: "That method is not set up." };
  const result = await db.transaction(async (tx) => {
    // Lock the user row so two removals cannot each see "another factor remains".
    await tx.execute(sql`SELECT id FROM users WHERE id = ${session.userId} FOR UPDATE`);
    const [{ primaries }] = await rows<{ primaries: number }>(
      tx,
      sql`SELECT count(*)::int AS primaries FROM factors WHERE user_id = ${session.userId} AND status = 'active'`,
    );
    const last = factor.primary && primaries <= 1;
    if (last && (await groupRequiresMfa(tx, session.groupId))) {
      return { ok: false as const, message: "Your bank requires two-step verification, so you cannot remove your only method. Add another one first." };
    }
    await factor.remove(tx, session.userId);
    if (last) await getFactor("recovery")!.remove(tx, session.userId); // codes only back a factor up
    await audit(tx, { action: "factor.removed", outcome: "ok", subjectUserId: session.userId, sessionId: session.id, ip: await clientIp(), details: { factor: factor.id } });
    await queueMail(tx, {
      userId: session.userId,
      to: session.email,
      subject: "A sign-in method was removed from your MFA Bank account",
      body: `Hello ${session.username},\n\n${factor.name} was removed from your account. If this was not you, contact the bank immediately.\n\nMFA Bank`,
    });
    return { ok: true as const };
  });
  if (!result.ok) return { status: "error", message: result.message };
  revalidatePath("/security");
  return { status: "ok", message: `${factor.name} removed.` };
});

const changePasswordSchema = z.object({ currentPassword: passwordInputSchema, ...newPasswordFields });

/** Same policy and effects as the reset: every session ends, and the user signs in again. */
export const changePassword = userAction(changePasswordSchema, async (input, session) => {
  const db = await getDb();
  const ip = await clientIp();
  const hasMfa = await hasPrimaryFactor(db, session.userId);
  if (hasMfa && !session.mfaFresh) {
    return { status: "error", message: "For your security, confirm it's you first (password and code) below." };
  }
  if (input.newPassword !== input.confirmPassword) {
    return { status: "error", message: "The two passwords differ.", fieldErrors: { confirmPassword: ["The two passwords differ."] } };
  }
  const [u] = await rows<{ password_hash: string }>(db, sql`SELECT password_hash FROM users WHERE id = ${session.userId}`);
  const passwordOk = await verifyPassword(u?.password_hash, input.currentPassword);
  const problem = passwordOk ? await newPasswordProblem(input.newPassword, session.username) : null;
  const passwordHash = passwordOk && !problem ? await hashPassword(input.newPassword) : null;
  const result = await recordPasswordAttempt(
    db,
    { userId: session.userId, sessionId: session.id, ip, factor: "password", purpose: "change_password", passwordOk, userHasMfa: hasMfa },
    async (tx) => {
      if (!passwordHash) return false;
      await setNewPassword(tx, { id: session.userId, username: session.username, email: session.email }, passwordHash, {
        via: "security page",
        sessionId: session.id,
        ip,
      });
      return true;
    },
  );
  if (result.kind === "locked" || (result.kind === "failed" && result.locked)) {
    return { status: "error", code: "signed_out", message: "Your session has ended. Please sign in again." };
  }
  if (result.kind !== "ok") {
    return { status: "error", message: "That is not your current password.", fieldErrors: { currentPassword: ["That is not your current password."] } };
  }
  if (!result.value) return { status: "error", message: problem!, fieldErrors: { newPassword: [problem!] } };
  await signOut({ redirect: false });
  redirect("/login?changed=1");
});
