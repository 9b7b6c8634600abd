"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { userAction } from "@/lib/actions/guard";
import { clientIp, type CurrentSession } from "@/lib/auth/current";
import { revokeRememberedDevices } from "@/lib/auth/remembered-devices";
import { endOtherSessions, endSessionOf, type Ender } from "@/lib/auth/security-centre";
import { getDb } from "@/lib/db";

/**
 * The customer's own session controls. userAction checks the session; the ownership check is
 * in the UPDATE itself (lib/auth/security-centre.ts): another user's session id matches no
 * row, changes nothing, and gets the same answer as an ended one.
 */

async function enderOf(session: CurrentSession): Promise<Ender> {
  return { sessionId: session.id, ip: await clientIp(), actorUserId: session.userId, actorLabel: session.username };
}

export const endMySession = userAction(z.object({ session: z.uuid({ error: "That is not a session of yours." }) }), async (input, session) => {
  if (input.session === session.id) {
    return { status: "error", message: "That is the session in this browser. To end it, use Sign out at the top of the page." };
  }
  const db = await getDb();
  const by = await enderOf(session);
  const ended = await db.transaction((tx) => endSessionOf(tx, session.userId, input.session, { ...by, reason: "signed_out_elsewhere", keep: session.id }));
  revalidatePath("/security/activity");
  if (!ended) return { status: "error", message: "That session is not one of yours, or it has already ended. Nothing was changed; the list is up to date now." };
  return { status: "ok", message: "That session is signed out. The browser that held it will be asked to sign in again." };
});

export const endMyOtherSessions = userAction(z.object({}), async (_input, session) => {
  const db = await getDb();
  const by = await enderOf(session);
  const n = await db.transaction((tx) => endOtherSessions(tx, session.userId, session.id, by));
  revalidatePath("/security/activity");
  if (n === 0) return { status: "ok", message: "You were not signed in anywhere else. This browser stays signed in." };
  return { status: "ok", message: `Signed out ${n} other session${n === 1 ? "" : "s"}. This browser stays signed in.` };
});

/** "Forget this browser": the next sign-in on it asks for the code again. Ownership is in the UPDATE. */
export const forgetRememberedBrowser = userAction(z.object({ device: z.uuid({ error: "That is not a browser of yours." }) }), async (input, session) => {
  const db = await getDb();
  const ip = await clientIp();
  const n = await db.transaction((tx) =>
    revokeRememberedDevices(tx, session.userId, "forgotten_by_user", { deviceId: input.device, actorUserId: session.userId, ip }),
  );
  revalidatePath("/security/activity");
  if (!n) return { status: "error", message: "That browser is not remembered for you any more. Nothing was changed; the list is up to date now." };
  return { status: "ok", message: "Forgotten. The next sign-in on that browser asks for your code again." };
});
