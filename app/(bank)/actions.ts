"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { sessionAction } from "@/lib/actions/guard";
import { signOut } from "@/lib/auth/auth";
import { revokeSession } from "@/lib/auth/sessions";
import { getDb } from "@/lib/db";
import { audit } from "@/lib/mfa/audit";

/** Sign-out works from any session state (a pending session may always leave). */
export const signOutNow = sessionAction(["pending", "enrol", "verified", "none", "reset"], z.object({}), async (_input, session) => {
  const db = await getDb();
  await db.transaction(async (tx) => {
    await revokeSession(tx, session.id, "signed out");
    await audit(tx, { action: "sign_out", outcome: "ok", subjectUserId: session.userId, sessionId: session.id });
  });
  await signOut({ redirect: false });
  redirect("/login");
});
