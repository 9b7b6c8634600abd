"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { sessionAction } from "@/lib/actions/guard";
import { signOut } from "@/lib/auth/auth";
import { clientIp } from "@/lib/auth/current";
import { newPasswordFields, newPasswordProblem } from "@/lib/auth/password-policy";
import { hashPassword, isCurrentPassword, setNewPassword, stillOwesPasswordChange } from "@/lib/auth/password-reset";
import { getDb } from "@/lib/db";

/**
 * The new password owed after "This wasn't me" (users.must_change_password). The session has
 * just passed the password and the second step; userAction refuses everything else until this
 * is done. Same effects as any password change: every session ends, the mark is cleared.
 */
export const changeRequiredPassword = sessionAction(["verified", "none"], z.object(newPasswordFields), async (input, session) => {
  if (!session.mustChangePassword) return { status: "error", message: "Your password does not need changing now. Go to your accounts." };
  if (input.newPassword !== input.confirmPassword) {
    return { status: "error", message: "The two passwords differ.", fieldErrors: { confirmPassword: ["The two passwords differ."] } };
  }
  const problem = await newPasswordProblem(input.newPassword, session.username);
  if (problem) return { status: "error", message: problem, fieldErrors: { newPassword: [problem] } };
  const db = await getDb();
  // Someone else may know the old one: that is why a new one is asked for.
  if (await isCurrentPassword(db, session.userId, input.newPassword)) {
    const same = "Choose a different password: whoever signed in may know your old one.";
    return { status: "error", message: same, fieldErrors: { newPassword: [same] } };
  }
  const passwordHash = await hashPassword(input.newPassword);
  const ip = await clientIp();
  const done = await db.transaction(async (tx) => {
    if (!(await stillOwesPasswordChange(tx, session.userId))) return false;
    await setNewPassword(tx, { id: session.userId, username: session.username, email: session.email }, passwordHash, {
      via: "security page",
      sessionId: session.id,
      ip,
    });
    return true;
  });
  if (!done) return { status: "error", message: "Your password was already changed. Sign in with the new one." };
  await signOut({ redirect: false });
  redirect("/login?changed=1");
});
