"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { sessionAction, userAction } from "@/lib/actions/guard";
import { signOut } from "@/lib/auth/auth";
import { revokeSession, signOutSession, touchSession } from "@/lib/auth/sessions";
import { getDb } from "@/lib/db";
import { audit } from "@/lib/audit";
import { MESSAGES } from "@/lib/messages";

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

/**
 * "Stay signed in" (WCAG 2.2.1): the idle clock starts again. The guard found the session live;
 * the write is forced (findSession writes `last_seen_at` only when a minute old).
 */
export const staySignedIn = userAction(z.object({}), async (_input, session) => {
  if (!(await touchSession(await getDb(), session.id))) {
    return { status: "error", code: "signed_out", message: MESSAGES.sessionEnded };
  }
  return { status: "ok" };
});

/**
 * Nobody answered the idle warning (components/idle-warning.tsx): the bank signs the session
 * out at the deadline, with reason `idle`, and /login tells this browser so. The cookie stays:
 * it is how /login finds the reason, and it opens nothing any more.
 */
export const signOutIdle = userAction(z.object({}), async (_input, session) => {
  const db = await getDb();
  await db.transaction(async (tx) => {
    await revokeSession(tx, session.id, "idle");
    await audit(tx, { action: "sign_out", outcome: "ok", subjectUserId: session.userId, sessionId: session.id, details: { reason: "idle" } });
  });
  return { status: "ok" };
});
