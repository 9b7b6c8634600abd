"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { sessionAction } from "@/lib/actions/guard";
import { signOut } from "@/lib/auth/auth";
import { signOutSession } from "@/lib/auth/sessions";
import { getDb } from "@/lib/db";
import { audit } from "@/lib/mfa/audit";

/** Sign-out works from any session state (a pending session may always leave). */
export const signOutNow = sessionAction(["pending", "enrol", "verified", "none", "reset"], z.object({}), async (_input, session) => {
  const db = await getDb();
  await db.transaction(async (tx) => {
    await signOutSession(tx, session.id);
    await audit(tx, { action: "sign_out", outcome: "ok", subjectUserId: session.userId, sessionId: session.id });
  });
  await signOut({ redirect: false });
  // The cookie is gone, so /login cannot ask the row why: the flag says it (once, see the page).
  redirect("/login?signedOut=1");
});

