"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { userAction } from "@/lib/actions/guard";
import type { ActionState } from "@/lib/actions/state";
import { clientIp, factorUser, type CurrentSession } from "@/lib/auth/current";
import { revokeRememberedDevices } from "@/lib/auth/remembered-devices";
import { signOut } from "@/lib/auth/auth";
import { newPasswordFields, newPasswordProblem } from "@/lib/auth/password-policy";
import { hashPassword, isCurrentPassword, setNewPassword } from "@/lib/auth/password-reset";
import { markMfaPresent, markPasswordPresent, markSessionMfaVerified } from "@/lib/auth/presence";
import { passwordInputSchema } from "@/lib/auth/sign-in";
import { getDb } from "@/lib/db";
import { queueMail } from "@/lib/mail/outbox";
import { mails } from "@/lib/mail/templates";
import { audit } from "@/lib/audit";
import { findOpenChallenge } from "@/lib/mfa/challenges";
import { recordPasswordAttempt } from "@/lib/mfa/lockout";
import {
  activeRegistration,
  backupFactors,
  groupRequiresMfa,
  hasPrimaryFactor,
  lockAndCountActiveFactors,
  registrableFactors,
  renameRegistration,
} from "@/lib/mfa/registry";
import { MESSAGES } from "@/lib/messages";
import { challengeAction } from "@/lib/mfa/challenge-action";
import { factorField } from "@/lib/mfa/verify";

/**
 * Presence before change (Extra Horizon): adding or removing a factor or regenerating codes
 * needs the password within the last 5 minutes and, when the user has MFA, a verified MFA
 * within the last 5 minutes. Checked here, in every action — the page only mirrors it.
 */
async function presenceMissing(session: CurrentSession): Promise<ActionState | null> {
  const hasMfa = await hasPrimaryFactor(await getDb(), session.userId);
  if (session.passwordFresh && (!hasMfa || session.mfaFresh)) return null;
  return { status: "error", message: "For your security, confirm it's you first: your password, then your second step." };
}

const presenceSchema = z.object({ password: passwordInputSchema });

/** Presence, step 1: the password again. With MFA, step 2 (verifyPresence) follows on the page. */
export const confirmPresence = userAction(presenceSchema, async (input, session) => {
  const db = await getDb();
  const ip = await clientIp();
  const hasMfa = await hasPrimaryFactor(db, session.userId);
  const passwordOk = await isCurrentPassword(db, session.userId, input.password);
  const pw = await recordPasswordAttempt(
    db,
    { userId: session.userId, sessionId: session.id, ip, factor: "password", purpose: "presence", passwordOk, userHasMfa: hasMfa },
    (tx) => markPasswordPresent(tx, session.id),
  );
  if (pw.kind === "locked" || (pw.kind === "failed" && pw.locked)) {
    return { status: "error", code: "locked", message: pw.kind === "locked" ? MESSAGES.locked : MESSAGES.lockedNow };
  }
  if (pw.kind !== "ok") return { status: "error", message: "That password is not right.", fieldErrors: { password: ["That password is not right."] } };
  revalidatePath("/security");
  if (hasMfa && !session.mfaFresh) return { status: "ok", message: "Password confirmed. Now confirm with your second step." };
  return { status: "ok", message: "Thanks — you can make changes for the next 5 minutes." };
});


/** Presence, step 2: any step-up factor the registry offers, answered like every other challenge. */
export const verifyPresence = challengeAction({
  who: "signed in",
  purpose: "step_up",
  prepare: async (session, { challengeId }, db) => {
    if (!session.passwordFresh) return { ok: false, state: { status: "error", message: "Confirm your password first." } };
    const challenge = await findOpenChallenge(db, challengeId, session.id, "step_up");
    if (!challenge || challenge.context.key !== "presence") {
      return { ok: false, state: { status: "error", message: "This confirmation has expired. Reload the page and try again." } };
    }
    return { ok: true, ctx: null };
  },
  onPassed: (tx, { session }) => markMfaPresent(tx, session.id),
  done: async () => {
    revalidatePath("/security");
    return { status: "ok", message: "Thanks — you can make changes for the next 5 minutes." };
  },
});

const registerSchema = z.object({ factor: z.string().min(1).max(64) }).catchall(factorField);

/** Adds a factor, or renews a backup one (recovery codes), as the registry and the group allow. */
export const registerFactor = userAction(registerSchema, async (input, session) => {
  const missing = await presenceMissing(session);
  if (missing) return missing;
  const { factor: factorId, ...fields } = input;
  const db = await getDb();
  const user = factorUser(session);
  const factor = (await registrableFactors(db, user)).find((f) => f.id === factorId);
  if (!factor) return { status: "error", message: "That method cannot be added to your account now." };
  const renewed = !factor.primary; // a backup factor's "registration" replaces the old set
  const result = await db.transaction(async (tx) => {
    const r = await factor.register(tx, user, fields);
    if (!r.ok) return r;
    await audit(tx, {
      action: renewed ? "factor.renewed" : "factor.enrolled",
      outcome: "ok",
      subjectUserId: session.userId,
      sessionId: session.id,
      ip: await clientIp(),
      details: { factor: factor.id },
    });
    await queueMail(tx, {
      userId: session.userId,
      to: session.email,
      ...(renewed ? mails.factorRenewed(session.username, factor.registerTitle) : mails.factorAdded(session.username, factor.name)),
    });
    if (factor.primary && session.mfaState === "none") {
      // Proving the new factor just now counts as MFA for this session.
      await markSessionMfaVerified(tx, session.id);
    }
    return r;
  });
  if (!result.ok) return { status: "error", message: result.message, fieldErrors: { code: [result.message] } };
  revalidatePath("/security");
  return { status: "ok", message: renewed ? `New ${factor.registerTitle.toLowerCase()} created.` : `${factor.name} added.`, data: result.data };
});

const removeSchema = z.object({ registration: z.uuid() });

export const removeFactor = userAction(removeSchema, async (input, session) => {
  const missing = await presenceMissing(session);
  if (missing) return missing;
  const db = await getDb();
  const found = await activeRegistration(db, session.userId, input.registration);
  if (!found) return { status: "error", message: "That method is not set up." };
  const { row, factor } = found;
  const result = await db.transaction(async (tx) => {
    // Under the user's row lock, so two removals cannot each see "another factor remains".
    const primaries = await lockAndCountActiveFactors(tx, session.userId);
    const last = factor.primary && primaries <= 1;
    if (last && (await groupRequiresMfa(tx, session.groupId))) {
      return { ok: false as const, message: "Your bank requires two-step verification, so you cannot remove your only method. Add another one first." };
    }
    await factor.remove(tx, session.userId, row.id);
    if (last) for (const backup of backupFactors()) await backup.remove(tx, session.userId); // they only back a factor up
    await revokeRememberedDevices(tx, session.userId, "factor_removed", { actorUserId: session.userId, ip: await clientIp() });
    await audit(tx, {
      action: "factor.removed",
      outcome: "ok",
      subjectUserId: session.userId,
      sessionId: session.id,
      ip: await clientIp(),
      details: { factor: factor.id, name: row.label },
    });
    await queueMail(tx, {
      userId: session.userId,
      to: session.email,
      ...mails.factorRemoved(session.username, factor.name, row.label),
    });
    return { ok: true as const };
  });
  if (!result.ok) return { status: "error", message: result.message };
  revalidatePath("/security");
  return { status: "ok", message: `${row.label} removed.` };
});

const renameSchema = z.object({
  registration: z.uuid(),
  name: z
    .string()
    .trim()
    .min(1, "Give it a name.")
    .max(60, "Use at most 60 characters.")
    .regex(/^[^\p{Cc}]*$/u, "Use letters, digits and punctuation only."),
});

/** A user-given name for one registration ("Work laptop"), so several of one kind can be told apart. */
export const renameFactor = userAction(renameSchema, async (input, session) => {
  const missing = await presenceMissing(session);
  if (missing) return missing;
  const db = await getDb();
  const found = await activeRegistration(db, session.userId, input.registration);
  if (!found) return { status: "error", message: "That method is not set up." };
  await db.transaction(async (tx) => {
    await renameRegistration(tx, session.userId, found.row.id, input.name);
    await audit(tx, {
      action: "factor.renamed",
      outcome: "ok",
      subjectUserId: session.userId,
      sessionId: session.id,
      ip: await clientIp(),
      details: { factor: found.factor.id, from: found.row.label, to: input.name },
    });
  });
  revalidatePath("/security");
  return { status: "ok", message: `Renamed to ${input.name}.` };
});

const changePasswordSchema = z.object({ currentPassword: passwordInputSchema, ...newPasswordFields });

/** Same policy and effects as the reset: every session ends, and the user signs in again. */
export const changePassword = userAction(changePasswordSchema, async (input, session) => {
  const db = await getDb();
  const ip = await clientIp();
  const hasMfa = await hasPrimaryFactor(db, session.userId);
  if (hasMfa && !session.mfaFresh) {
    return { status: "error", message: "For your security, confirm it's you first, above: your password, then your second step." };
  }
  if (input.newPassword !== input.confirmPassword) {
    return { status: "error", message: "The two passwords differ.", fieldErrors: { confirmPassword: ["The two passwords differ."] } };
  }
  const passwordOk = await isCurrentPassword(db, session.userId, input.currentPassword);
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
    return { status: "error", code: "locked", message: result.kind === "locked" ? MESSAGES.locked : MESSAGES.lockedNow };
  }
  if (result.kind !== "ok") {
    return { status: "error", message: "That is not your current password.", fieldErrors: { currentPassword: ["That is not your current password."] } };
  }
  if (!result.value) return { status: "error", message: problem!, fieldErrors: { newPassword: [problem!] } };
  await signOut({ redirect: false });
  redirect("/login?changed=1");
});
