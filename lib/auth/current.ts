import "server-only";
import { cookies, headers } from "next/headers";
import { redirect } from "next/navigation";
import { cache } from "react";
import { getDb } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { clientAddress } from "@/lib/http/client-address";
import { peerFromHeaders } from "@/lib/http/peer";
import { sessionCookie } from "./auth";
import { decodeSessionCookie, encodeSessionCookie } from "./session-cookie";
import { endNotice } from "./session-end";
import { ABSOLUTE_LIFETIME_HOURS, claimEndNotice, findSession, findSessionWith, type SessionAlong, type SessionRow } from "./sessions";

export type CurrentSession = SessionRow;

/**
 * The `sid` of this request's session cookie — only if it decodes with our secret, so a token
 * from anywhere else (another browser's row, a guess) is never looked up. Null otherwise.
 */
const cookieToken = cache(async (): Promise<string | null> => {
  const name = sessionCookie();
  const raw = (await cookies()).get(name)?.value;
  if (!raw || raw.length > 4096) return null;
  // Garbage or a foreign cookie decodes to null (lib/auth/session-cookie.ts: Auth.js's format,
  // its key derived once per process instead of per request).
  const sid = (await decodeSessionCookie(raw, getEnv().authSecret, name))?.sid;
  if (typeof sid !== "string" || sid.length < 20 || sid.length > 100) return null;
  return sid;
});

/**
 * The session this request already holds, so the page Next renders in an action's response
 * (after it sets a cookie or calls `revalidatePath`) does not look it up a second time: the one
 * `startSession` returned after its transaction committed (`setSessionCookie`), or the one an
 * action that changes no session checked (`keepCheckedSession`). Keyed by the request's own
 * headers object (the same in the action and its render), so it lives as long as the request
 * and no other request can reach it; like React's per-request `cache`, nothing outlives the
 * request. Only the token the cookie carries at render time matches.
 */
const heldHere = new WeakMap<object, { sid: string; session: CurrentSession }>();

/**
 * Hands a session started by `startSession` (lib/auth/sessions.ts) to this browser: the
 * Auth.js cookie (same name, format and options as Auth.js writes, so its /api/auth routes
 * and `signOut` keep working), holding only the opaque token. Call it after the transaction
 * that created the row has committed. Only server actions and route handlers can set cookies.
 * `session`: the row `startSession` returned, for the rest of this request (above).
 */
export async function setSessionCookie(token: string, session?: CurrentSession): Promise<void> {
  const env = getEnv();
  const name = sessionCookie();
  const maxAge = ABSOLUTE_LIFETIME_HOURS * 3600;
  const value = await encodeSessionCookie({ sid: token }, env.authSecret, name, maxAge);
  (await cookies()).set(name, value, {
    httpOnly: true,
    sameSite: "lax",
    path: "/",
    secure: env.secureCookies,
    expires: new Date(Date.now() + maxAge * 1000),
  });
  if (session) heldHere.set(await headers(), { sid: token, session });
}

/**
 * For an action that changes no session (a transfer, a payee): the page rendered in its
 * response gets the session the action's guard checked instead of reading it again. The action
 * and that render answer one request, authorised once.
 */
export async function keepCheckedSession(session: CurrentSession): Promise<void> {
  const sid = await cookieToken();
  if (sid) heldHere.set(await headers(), { sid, session });
}

/** The session of this request, looked up once per request (React cache), or the one this request already holds. */
export const getCurrentSession = cache(async (): Promise<CurrentSession | null> => {
  const sid = await cookieToken();
  if (!sid) return null;
  const held = heldHere.get(await headers());
  if (held?.sid === sid) return held.session;
  return findSession(await getDb(), sid);
});

/**
 * The session of this request, as `getCurrentSession` finds it, with a read that rides in its
 * lookup (`SessionAlong`: an action's guard, lib/actions/guard.ts). `along` is undefined when
 * the request already holds its session (then the caller reads on its own) and null where the
 * session may not act.
 */
export async function getCurrentSessionWith(along: SessionAlong): Promise<{ session: CurrentSession; along: unknown } | null> {
  const sid = await cookieToken();
  if (!sid) return null;
  const held = heldHere.get(await headers());
  if (held?.sid === sid) return { session: held.session, along: undefined };
  return findSessionWith(await getDb(), sid, along);
}

/**
 * Why this browser's session ended, once (lib/auth/session-end.ts): the sentence for /login,
 * or null — no cookie, a live session, a rotated one, or already told. No query without a cookie.
 */
export async function claimSessionEndNotice(): Promise<string | null> {
  const sid = await cookieToken();
  return sid ? endNotice(await claimEndNotice(await getDb(), sid)) : null;
}

/** The MFA states of a session that is signed in: MFA done, or not required. */
export const FULLY_SIGNED_IN: readonly CurrentSession["mfaState"][] = ["verified", "none"];

export function isFullySignedIn(s: CurrentSession): boolean {
  return FULLY_SIGNED_IN.includes(s.mfaState);
}

/** For bank pages: a signed-in session with MFA done; pending sessions go to /mfa. */
export async function requireUser(): Promise<CurrentSession> {
  const s = await requireSignedIn();
  if (s.mustChangePassword) redirect("/change-password");
  return s;
}

/** As requireUser, but also a session that owes a new password (only /change-password takes that). */
export async function requireSignedIn(): Promise<CurrentSession> {
  const s = await getCurrentSession();
  if (!s) redirect("/login");
  if (s.mfaState === "pending") redirect("/mfa");
  if (s.mfaState === "enrol") redirect("/mfa/enrol");
  if (s.mfaState === "reset") redirect("/reset-password/continue");
  if (!isFullySignedIn(s)) redirect("/login");
  return s;
}

export async function requireAdmin(): Promise<CurrentSession> {
  const s = await requireUser();
  if (s.role !== "admin") redirect("/dashboard");
  return s;
}

/**
 * The client's address for the audit trail and per-client throttles: the one place the app
 * derives it (TRUSTED_PROXY_HOPS; the rule is in lib/http/client-address.ts). With no trusted
 * proxy only the connection's own address counts; X-Forwarded-For and X-Real-IP sent by a
 * client are ignored. Null when the address is unknown (then throttles share one key).
 */
export async function clientIp(): Promise<string | null> {
  const h = await headers();
  return clientAddress({ hops: getEnv().trustedProxyHops, forwardedFor: h.get("x-forwarded-for"), peer: peerFromHeaders(h) });
}

export async function userAgent(): Promise<string | null> {
  return (await headers()).get("user-agent");
}

/** The identity a factor plugin sees. */
export function factorUser(s: CurrentSession) {
  return { userId: s.userId, username: s.username, email: s.email, groupId: s.groupId, sessionId: s.id };
}
