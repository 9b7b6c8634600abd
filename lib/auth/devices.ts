import "server-only";
import { sql, type SQL } from "drizzle-orm";
import { cookies } from "next/headers";
import { z } from "zod";
import { randomToken, sha256 } from "@/lib/crypto";
import { rows, type Db, type DbOrTx } from "@/lib/db";
import { knownDevices, signInAlerts } from "@/lib/db/schema";
import { getEnv } from "@/lib/env";
import { queueMail } from "@/lib/mail/outbox";
import { mails } from "@/lib/mail/templates";
import { audit } from "@/lib/audit";
import { revokeAllSessions } from "./sessions";
import { describeUserAgent } from "./user-agent";

/**
 * New-device notice.
 *
 * What "seen" means: a browser is known to a user when it presents the device cookie — 256
 * random bits, httpOnly, ~400 days, one per browser — whose SHA-256 is in `known_devices` for
 * that user. It is written at every completed sign-in. We chose the cookie over "same browser
 * family and OS" because two laptops with the same Chrome on Windows look identical by user
 * agent, and an attacker can copy a user agent but cannot read an httpOnly cookie.
 * Limits: clearing cookies, a private window or a new browser profile count as a new device
 * (one extra mail, never a missed one for a stranger's browser); someone who holds the cookie
 * too (malware on the customer's own machine) is not new. The very first browser an account
 * signs in on is recorded silently — there is nothing to compare it with yet.
 */

export const SIGN_IN_ALERT_DAYS = 7;
export const DEVICE_COOKIE_MAX_AGE = 400 * 24 * 3600; // browsers cap cookies at 400 days

export function deviceCookieName(secure = getEnv().secureCookies): string {
  return secure ? "__Host-mfa-bank.device" : "mfa-bank.device";
}

/** A browser cookie secret of ours: 256 random bits, base64url (`randomToken(32)`). */
export const secretSchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/);

export type SignInClient = { deviceSecret: string | null; ip: string | null; userAgent: string | null };

function ownSecretOf(client: SignInClient): string | null {
  return client.deviceSecret && secretSchema.safeParse(client.deviceSecret).success ? client.deviceSecret : null;
}

/**
 * The known-device half of the check, as a statement for the one that starts the session
 * (lib/auth/sessions.ts `startSession`, `knownDevice`): it returns a row when this browser is
 * already known to the user. Null when the browser presents no usable device cookie. `when`: a
 * condition on that statement's other parts (the password step's gate: only once admitted).
 */
export function touchKnownDevice(userId: string, client: SignInClient, when?: SQL): SQL | null {
  const ownSecret = ownSecretOf(client);
  if (!ownSecret) return null;
  return sql`UPDATE known_devices SET last_seen_at = app_now(), user_agent = ${client.userAgent?.slice(0, 300) ?? null}, ip = ${client.ip}
              WHERE user_id = ${userId} AND device_hash = ${sha256(ownSecret)}${when ? sql` AND ${when}` : sql``} RETURNING id`;
}

/**
 * The device check for a sign-in that just completed, in the caller's transaction. Returns the
 * device secret the browser must keep (its own, or a new one) and, for a device new to a user
 * who has others, the "This wasn't me" URL that was mailed. `knownChecked`: the caller's own
 * statement already ran `touchKnownDevice` and it matched nothing.
 */
export async function recordSignInDevice(
  tx: DbOrTx,
  userId: string,
  client: SignInClient,
  opts: { knownChecked?: boolean } = {},
): Promise<{ deviceSecret: string; isNew: boolean; notMeUrl: string | null }> {
  const ownSecret = ownSecretOf(client);
  const ua = client.userAgent?.slice(0, 300) ?? null;
  const known = opts.knownChecked ? null : touchKnownDevice(userId, client);
  if (ownSecret && known) {
    const seen = await rows<{ id: string }>(tx, known);
    if (seen.length) return { deviceSecret: ownSecret, isNew: false, notMeUrl: null };
  }
  // One secret per browser, shared by every user who signs in on it.
  const deviceSecret = ownSecret ?? randomToken(32);
  const [user] = await rows<{ email: string; username: string; has_devices: boolean }>(
    tx,
    sql`SELECT email, username, EXISTS (SELECT 1 FROM known_devices WHERE user_id = ${userId}) AS has_devices
          FROM users WHERE id = ${userId}`,
  );
  if (!user) return { deviceSecret, isNew: false, notMeUrl: null };
  const [device] = await tx
    .insert(knownDevices)
    .values({ userId, deviceHash: sha256(deviceSecret), userAgent: ua, ip: client.ip })
    .onConflictDoNothing()
    .returning({ id: knownDevices.id });
  // A concurrent sign-in of this browser inserted it first: that one mails, if anyone does.
  if (!device) return { deviceSecret, isNew: false, notMeUrl: null };
  const described = describeUserAgent(ua).label;
  if (!user.has_devices) {
    await audit(tx, { action: "device.first", outcome: "ok", subjectUserId: userId, ip: client.ip, details: { device: described } });
    return { deviceSecret, isNew: true, notMeUrl: null };
  }
  const token = randomToken(32);
  await tx.insert(signInAlerts).values({
    userId,
    deviceId: device.id,
    tokenHash: sha256(token),
    ip: client.ip,
    userAgent: ua,
    expiresAt: sql`app_now() + ${SIGN_IN_ALERT_DAYS}::int * interval '1 day'`,
  });
  // The origin comes from configuration, never from the request's Host header.
  const notMeUrl = `${getEnv().appUrl}/not-me?token=${token}`;
  const [{ at }] = await rows<{ at: string }>(tx, sql`SELECT to_char(app_now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS at`);
  await queueMail(tx, {
    userId,
    to: user.email,
    ...mails.newDevice(user.username, { device: described, ip: client.ip, at, days: SIGN_IN_ALERT_DAYS, notMeUrl }),
  });
  await audit(tx, { action: "device.new", outcome: "ok", subjectUserId: userId, ip: client.ip, details: { device: described, mailed: true } });
  return { deviceSecret, isNew: true, notMeUrl };
}

/** This request's browser, for the device check of a sign-in completing in it; null outside a request (scripts, integration tests). */
export type SignInBrowser = { jar: Awaited<ReturnType<typeof cookies>>; client: SignInClient };

export async function signInBrowser(): Promise<SignInBrowser | null> {
  let jar: Awaited<ReturnType<typeof cookies>>;
  try {
    jar = await cookies();
  } catch {
    return null;
  }
  // Loaded here, not at the top: ./current pulls in Auth.js, which lib/auth/sign-in.ts (and its
  // integration tests) must not load just to import this hook.
  const { clientIp, userAgent } = await import("./current");
  return { jar, client: { deviceSecret: jar.get(deviceCookieName())?.value ?? null, ip: await clientIp(), userAgent: await userAgent() } };
}

/**
 * The rest of the check once the session's statement has run `touchKnownDevice` (`seen`: it
 * matched): a browser new to the user is recorded (and mailed) in the same transaction, and
 * the cookie is (re)set.
 */
export async function settleSignInDevice(tx: DbOrTx, userId: string, browser: SignInBrowser | null, seen: boolean): Promise<void> {
  if (!browser) return;
  const ownSecret = ownSecretOf(browser.client);
  const deviceSecret = seen && ownSecret ? ownSecret : (await recordSignInDevice(tx, userId, browser.client, { knownChecked: true })).deviceSecret;
  browser.jar.set(deviceCookieName(), deviceSecret, { httpOnly: true, sameSite: "lax", secure: getEnv().secureCookies, path: "/", maxAge: DEVICE_COOKIE_MAX_AGE });
}

/**
 * The hook every place that completes a sign-in without `startSession`'s device check calls,
 * in the transaction that completes it: reads this request's device cookie, address and user
 * agent, records the device (mailing when new), and (re)sets the cookie. Outside a request —
 * scripts, integration tests — there is no browser, so there is no device to note.
 */
export async function noteSignInDevice(tx: DbOrTx, userId: string): Promise<void> {
  const browser = await signInBrowser();
  if (!browser) return;
  const known = touchKnownDevice(userId, browser.client);
  const seen = known ? (await rows<{ id: string }>(tx, known)).length > 0 : false;
  await settleSignInDevice(tx, userId, browser, seen);
}

// ─── "This wasn't me" ─────────────────────────────────────────────────────────────────────

export const notMeTokenSchema = z
  .string({ error: "This link is incomplete. Open the link from the e-mail again." })
  .regex(/^[A-Za-z0-9_-]{43}$/, "This link is incomplete. Open the link from the e-mail again.");

export type NotMeLinkState = "valid" | "used" | "expired" | "unknown";

type AlertRow = { id: string; user_id: string; device_id: string | null; used: boolean; expired: boolean; user_agent: string | null; ip: string | null; created_at: Date };

async function findAlert(db: DbOrTx, token: string, lock: boolean): Promise<AlertRow | null> {
  if (!notMeTokenSchema.safeParse(token).success) return null;
  const [row] = await rows<AlertRow>(
    db,
    sql`SELECT id, user_id, device_id, (used_at IS NOT NULL) AS used, (expires_at <= app_now()) AS expired, user_agent, ip, created_at
          FROM sign_in_alerts WHERE token_hash = ${sha256(token)} ${lock ? sql`FOR UPDATE` : sql``}`,
  );
  return row ?? null;
}

function stateOf(a: AlertRow | null): NotMeLinkState {
  return !a ? "unknown" : a.used ? "used" : a.expired ? "expired" : "valid";
}

/** For the page: what the link is and which sign-in it is about. Reads only (mail scanners open links). */
export async function notMeLinkState(db: Db, token: string): Promise<{ state: NotMeLinkState; device?: string; ip?: string | null; at?: Date }> {
  const a = await findAlert(db, token, false);
  const state = stateOf(a);
  if (state !== "valid" || !a) return { state };
  return { state, device: describeUserAgent(a.user_agent).label, ip: a.ip, at: new Date(a.created_at) };
}

export type NotMeResult = { kind: "secured"; sessionsEnded: number } | { kind: "invalid"; state: Exclude<NotMeLinkState, "valid"> };

/**
 * The button on the "This wasn't me" page. In one transaction: the link is spent, every
 * session of the account ends (`reported_not_me`), the reported browser is forgotten (its next
 * sign-in mails again), the next sign-in must choose a new password, audit and a mail.
 */
export async function reportNotMe(db: Db, token: string, client: { ip: string | null }): Promise<NotMeResult> {
  return db.transaction(async (tx) => {
    const found = await findAlert(tx, token, false);
    if (!found) {
      await audit(tx, { action: "account.not_me", outcome: "refused", ip: client.ip, details: { reason: "unknown link" } });
      return { kind: "invalid", state: "unknown" };
    }
    // The user's row first, then the link: one order for every writer of this account.
    const [user] = await rows<{ email: string; username: string }>(
      tx,
      sql`SELECT email, username FROM users WHERE id = ${found.user_id} FOR UPDATE`,
    );
    const alert = await findAlert(tx, token, true);
    const state = stateOf(alert);
    const base = { action: "account.not_me", subjectUserId: found.user_id, actorLabel: "self (new-device mail)", ip: client.ip };
    if (!user || !alert || state !== "valid") {
      await audit(tx, { ...base, outcome: "refused", details: { reason: `link ${state}` } });
      return { kind: "invalid", state: state === "valid" ? "unknown" : state };
    }
    await tx.execute(sql`UPDATE sign_in_alerts SET used_at = app_now() WHERE id = ${alert.id}`);
    const sessionsEnded = await revokeAllSessions(tx, found.user_id, "reported_not_me");
    await tx.execute(sql`UPDATE users SET must_change_password = true WHERE id = ${found.user_id}`);
    if (alert.device_id) await tx.execute(sql`DELETE FROM known_devices WHERE id = ${alert.device_id}`);
    await audit(tx, { ...base, outcome: "ok", details: { sessionsEnded, device: describeUserAgent(alert.user_agent).label, deviceIp: alert.ip } });
    await queueMail(tx, {
      userId: found.user_id,
      to: user.email,
      ...mails.signedOutEverywhere(user.username, sessionsEnded),
    });
    return { kind: "secured", sessionsEnded };
  });
}
