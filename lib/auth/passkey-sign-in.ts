import "server-only";
import { randomBytes } from "node:crypto";
import { generateAuthenticationOptions, type PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/server";
import { isoBase64URL } from "@simplewebauthn/server/helpers";
import { sql } from "drizzle-orm";
import { randomToken, sha256 } from "@/lib/crypto";
import { fromJsonb, rows, type Db, type DbOrTx } from "@/lib/db";
import { webauthnChallenges, type webauthnCredentials } from "@/lib/db/schema";
import { getEnv } from "@/lib/env";
import { audit } from "@/lib/audit";
import { ChallengeGone } from "@/lib/mfa/challenges";
import { checkAssertion, parseResponse, PASSKEY_CHALLENGE_MINUTES, passkeyFactor, relyingParty, reportCounterRegression, userHandle } from "@/lib/mfa/factors/passkey";
import { attemptMfa } from "@/lib/mfa/lockout";
import { hit } from "@/lib/rate-limit";
import { noteSignInDevice, secretSchema } from "./devices";
import { startSession } from "./sessions";
import { MESSAGES } from "@/lib/messages";

/**
 * Passkey-first sign-in: a discoverable credential with user verification
 * is something you have and something you are (or know) at once — phishing-resistant, AAL2
 * (NIST SP 800-63B-4 §2.2, §3.2.5) — so a verified session starts directly, with no password.
 *
 * The ceremony has no session and no user yet. Its challenge is 32 random bytes in
 * `webauthn_challenges` (purpose "passwordless", 5 minutes, single use) bound to this browser
 * by the SHA-256 of a short-lived httpOnly cookie set with it: an assertion made in one browser
 * can't be posted from another (login CSRF), and a challenge can't be collected for later.
 *
 * The assertion names its credential; the credential names the account. From there it is an
 * MFA attempt like any other (`attemptMfa`): a locked account is refused before the signature
 * is checked, a backoff delay is honoured, and a failed assertion counts toward the one lockout.
 */

export const PASSWORDLESS = "passwordless";
/** Ceremonies a client address may begin per minute: each is a row, and pages begin one when idle. */
const BEGINS_PER_MINUTE = 30;

export function passkeyBrowserCookie(secure = getEnv().secureCookies): string {
  return secure ? "__Host-mfa-bank.passkey" : "mfa-bank.passkey";
}

export type BeginResult =
  | { ok: true; optionsJSON: PublicKeyCredentialRequestOptionsJSON; browserSecret: string }
  | { ok: false; message: string };

/**
 * A fresh ceremony for this browser (its own cookie secret, or a new one the caller sets).
 * Expired ceremonies go, and so do all but this browser's newest three.
 */
export async function beginPasskeySignIn(db: Db, client: { ip: string | null; browserSecret: string | null }): Promise<BeginResult> {
  if (!(await hit(db, `passkey-begin:${client.ip ?? "unknown"}`, BEGINS_PER_MINUTE, 60))) {
    return { ok: false, message: "Too many passkey sign-ins were started from your network. Wait a minute, then try again." };
  }
  const browserSecret = client.browserSecret && secretSchema.safeParse(client.browserSecret).success ? client.browserSecret : randomToken(32);
  const browserHash = sha256(browserSecret);
  const bytes = Uint8Array.from(randomBytes(32));
  await db.transaction(async (tx) => {
    await tx.insert(webauthnChallenges).values({
      purpose: PASSWORDLESS,
      browserHash,
      challenge: isoBase64URL.fromBuffer(bytes),
      nonce: "",
      expiresAt: sql`app_now() + ${PASSKEY_CHALLENGE_MINUTES}::int * interval '1 minute'`,
    });
    await tx.execute(
      sql`DELETE FROM webauthn_challenges
           WHERE purpose = ${PASSWORDLESS}
             AND (expires_at < app_now() OR used_at IS NOT NULL
                  OR (browser_hash = ${browserHash}
                      AND id NOT IN (SELECT id FROM webauthn_challenges WHERE purpose = ${PASSWORDLESS} AND browser_hash = ${browserHash}
                                      ORDER BY created_at DESC, id LIMIT 3)))`,
    );
  });
  const optionsJSON = await generateAuthenticationOptions({
    rpID: relyingParty().rpID,
    challenge: bytes,
    // Discoverable credentials: the authenticator offers the passkeys it holds for this site.
    allowCredentials: [],
    userVerification: "required",
    timeout: PASSKEY_CHALLENGE_MINUTES * 60_000,
  });
  return { ok: true, optionsJSON, browserSecret };
}

export type PasskeySignInResult =
  | { kind: "ok"; token: string; userId: string }
  | { kind: "refused"; message: string }
  | { kind: "wait"; retryAfterMs: number };

type Owner = typeof webauthnCredentials.$inferSelect & { username: string; email: string; allowed: boolean };

const UNKNOWN = "This passkey isn't registered with MFA Bank, or was removed. Sign in with your username and password.";
const EXPIRED = "This passkey sign-in expired or was already used. Try again.";
// A locked account is not named before the signature is checked: the credential id is not a secret.
const REFUSED = "We couldn't sign you in with this passkey. If your account is locked, the e-mail we sent says how to unlock it.";

/**
 * The assertion, checked and counted; on success a verified session starts in the same
 * transaction (with the new-device check), and the caller sets its cookie.
 */
export async function finishPasskeySignIn(
  db: Db,
  response: unknown,
  client: { ip: string | null; userAgent: string | null; browserSecret: string | null },
): Promise<PasskeySignInResult> {
  const parsed = parseResponse(response);
  if (!parsed || parsed.type !== "webauthn.get") return { kind: "refused", message: MESSAGES.unreadablePasskey };
  const owner = await credentialOwner(db, parsed.json.id);
  if (!owner || !owner.allowed) {
    await audit(db, { action: "sign_in.passkey", outcome: "refused", subjectUserId: owner?.userId ?? null, ip: client.ip, details: { reason: owner ? "not allowed for sign-in" : "unknown passkey" } });
    return { kind: "refused", message: owner ? "Your account can't use a passkey alone to sign in. Sign in with your username and password." : UNKNOWN };
  }
  // The authenticator's user handle, when it sends one, must be the account the credential belongs to.
  const handle = (parsed.json.response as { userHandle?: unknown }).userHandle;
  const browserHash = client.browserSecret && secretSchema.safeParse(client.browserSecret).success ? sha256(client.browserSecret) : null;
  try {
    const outcome = await attemptMfa(
      db,
      { userId: owner.userId, ip: client.ip, factor: passkeyFactor.id, purpose: PASSWORDLESS },
      async (tx) => {
        if (typeof handle === "string" && handle !== isoBase64URL.fromBuffer(userHandle(owner.userId))) return { ok: false, reason: "unknown passkey" };
        const [ceremony] = await rows<{ id: string }>(
          tx,
          sql`SELECT id FROM webauthn_challenges
               WHERE challenge = ${parsed.challenge} AND purpose = ${PASSWORDLESS} AND browser_hash = ${browserHash}
                 AND used_at IS NULL AND expires_at > app_now()`,
        );
        if (!ceremony) throw new CeremonyGone();
        const spend = async () =>
          (await rows(tx, sql`UPDATE webauthn_challenges SET used_at = app_now() WHERE id = ${ceremony.id} AND used_at IS NULL RETURNING id`)).length === 1;
        const result = await checkAssertion(tx, owner, parsed, parsed.challenge, spend);
        if (!result.ok && result.reason === "counter regression") await reportCounterRegression(tx, owner, owner.factorId, PASSWORDLESS);
        return result;
      },
      async (tx) => {
        await noteSignInDevice(tx, owner.userId);
        const { sessionId, token } = await startSession(tx, {
          userId: owner.userId,
          mfaState: "verified",
          mfaVerified: true,
          signedIn: true,
          ip: client.ip,
          userAgent: client.userAgent,
        });
        await audit(tx, { action: "sign_in.passkey", outcome: "ok", subjectUserId: owner.userId, sessionId, ip: client.ip, details: { registration: owner.factorId } });
        return token;
      },
    );
    switch (outcome.kind) {
      case "ok":
        return { kind: "ok", token: outcome.value, userId: owner.userId };
      case "wait":
        return { kind: "wait", retryAfterMs: outcome.retryAfterMs };
      case "locked":
        return { kind: "refused", message: REFUSED };
      case "failed":
        return { kind: "refused", message: passkeyFactor.messages?.[outcome.reason] ?? REFUSED };
    }
  } catch (err) {
    // An unknown, expired or spent ceremony (a reload, a second tab, a double submit): not an attempt.
    if (err instanceof CeremonyGone || err instanceof ChallengeGone) return { kind: "refused", message: EXPIRED };
    throw err;
  }
}

class CeremonyGone extends Error {}

/** The credential, its account, and whether the account's group lets a passkey answer a sign-in. */
async function credentialOwner(db: DbOrTx, credentialId: string): Promise<Owner | null> {
  const [row] = await rows<Owner>(
    db,
    sql`SELECT c.id, c.factor_id AS "factorId", c.user_id AS "userId", c.credential_id AS "credentialId", c.public_key AS "publicKey",
               c.sign_count::float8 AS "signCount", c.transports, c.device_type AS "deviceType", c.backed_up AS "backedUp", c.aaguid,
               c.created_at AS "createdAt", c.last_used_at AS "lastUsedAt", u.username, u.email,
               (g.sign_in_factors @> '["passkey"]'::jsonb AND f.status = 'active') AS allowed
          FROM webauthn_credentials c
          JOIN factors f ON f.id = c.factor_id
          JOIN users u ON u.id = c.user_id
          JOIN groups g ON g.id = u.group_id
         WHERE c.credential_id = ${credentialId}`,
  );
  if (!row) return null;
  return { ...row, transports: fromJsonb<Owner["transports"]>(row.transports) };
}
