import { createHash, generateKeyPairSync, randomBytes, randomUUID, sign, type KeyObject } from "node:crypto";
import type { PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/server";
import { isoBase64URL, isoCBOR } from "@simplewebauthn/server/helpers";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { describe, expect, it } from "vitest";
import { testDbPerFile } from "@/lib/db/test-db-per-file";
import type { ActionState } from "@/lib/actions/state";
import type { SessionRow } from "@/lib/auth/sessions";
import { transferGuard, transferHandler, transferSchema } from "@/lib/bank/transfers";
import type { Tx } from "@/lib/db";
import { factors, stepUpGrants, webauthnCredentials, type Challenge } from "@/lib/db/schema";
import { createAccount, createPayee, createVerifiedSession } from "@/lib/db/test-db";
import { openChallenge } from "./challenges";
import { bindingChallenge, relyingParty, type PasskeyVerifyData } from "./factors/passkey";
import { usableFactors } from "./registry";
import { inputHash, runGuarded } from "./step-up-core";
import { answerChallenge, type VerifyOutcome } from "./verify";

/**
 * The passkey factor through answerChallenge, against a real database (PGlite in memory, or
 * PostgreSQL with DATABASE_URL: then the parallel test really races). Assertions come from a
 * small software authenticator (an ES256 key made here, its COSE key encoded with the
 * library's CBOR encoder), so @simplewebauthn/server checks real signatures. It proves:
 *   - a step-up passkey signature is bound to its transfer: signed for €1,500 it does not
 *     answer the €1,600 challenge (counted), and the signed bytes are bindingChallenge(…) of it;
 *   - of 20 parallel valid answers to one challenge exactly one passes, the ceremony is spent once;
 *   - a counter regression is refused, audited and mailed to the user;
 *   - wrong origin, wrong RP ID, unknown or another user's credential and junk are counted
 *     failures that change nothing else; a replay after success is "expired" and not counted.
 */

// Failures here are many and quick: no backoff delay and no lock get in the way of counting them.
const t = testDbPerFile({ settings: { lockoutThreshold: 100, backoffBaseMs: 0, backoffMaxMs: 0, stepUpAmountMinor: 100_000, blockAmountMinor: 1_000_000 } });

// ─── A software authenticator (test only) ──────────────────────────────────────────────

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest();
const b64url = (data: Buffer | Uint8Array) => Buffer.from(data).toString("base64url");

type AssertOptions = { counter: number; origin?: string; rpID?: string; clientDataJSON?: string };

class SoftPasskey {
  readonly id = b64url(randomBytes(16));
  readonly cosePublicKey: Uint8Array;
  private readonly privateKey: KeyObject;

  constructor() {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const jwk = publicKey.export({ format: "jwk" });
    this.privateKey = privateKey;
    // COSE_Key (RFC 9053): kty EC2, alg ES256, crv P-256, x, y.
    this.cosePublicKey = isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, Uint8Array.from(Buffer.from(jwk.x!, "base64url"))],
        [-3, Uint8Array.from(Buffer.from(jwk.y!, "base64url"))],
      ]),
    );
  }

  /** navigator.credentials.get() as a browser on `origin` would answer it: the JSON the Verify component submits. */
  assert(challenge: string, o: AssertOptions): string {
    const { origin, rpID } = relyingParty();
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(o.counter);
    // rpIdHash ‖ flags UP|UV ‖ signCount
    const authenticatorData = Buffer.concat([sha256(o.rpID ?? rpID), Buffer.from([0x05]), counter]);
    const clientDataJSON = o.clientDataJSON ?? JSON.stringify({ type: "webauthn.get", challenge, origin: o.origin ?? origin, crossOrigin: false });
    const signature = sign("sha256", Buffer.concat([authenticatorData, sha256(clientDataJSON)]), this.privateKey); // DER
    return JSON.stringify({
      id: this.id,
      rawId: this.id,
      type: "public-key",
      response: {
        clientDataJSON: b64url(Buffer.from(clientDataJSON)),
        authenticatorData: b64url(authenticatorData),
        signature: b64url(signature),
      },
      clientExtensionResults: {},
    });
  }
}

/** A registered passkey, stored as register() stores one: a factors row and its credential. */
async function addPasskey(userId: string, o: { signCount?: number } = {}): Promise<SoftPasskey & { factorId: string }> {
  const key = new SoftPasskey();
  const factorId = randomUUID();
  await t.db.insert(factors).values({ id: factorId, userId, type: "passkey", label: "Test passkey", status: "active", activatedAt: sql`now()` });
  await t.db.insert(webauthnCredentials).values({
    factorId,
    userId,
    credentialId: key.id,
    publicKey: isoBase64URL.fromBuffer(Uint8Array.from(key.cosePublicKey)),
    signCount: o.signCount ?? 0,
    transports: ["internal"],
    deviceType: "singleDevice",
    backedUp: false,
    aaguid: "00000000-0000-0000-0000-000000000000",
  });
  return Object.assign(key, { factorId });
}

// ─── Helpers ───────────────────────────────────────────────────────────────────────────

const IP = "203.0.113.7";
type Who = { userId: string; username: string; email: string; groupId: string; sessionId: string; ip: string };

const whoOf = (s: SessionRow): Who => ({ userId: s.userId, username: s.username, email: s.email, groupId: s.groupId, sessionId: s.id, ip: IP });

function answer<R>(who: Who, challenge: { id: string; purpose: Challenge["purpose"] }, response: string, onPassed: (tx: Tx, challenge: Challenge) => Promise<R>) {
  return answerChallenge(t.db, who, { challengeId: challenge.id, purpose: challenge.purpose, factorId: "passkey", input: { response } }, onPassed);
}

/** A retail customer with one passkey and an open sign-in challenge, and the options the /mfa page would render. */
async function signInCase(o: { signCount?: number } = {}) {
  const u = await t.createUser();
  const key = await addPasskey(u.id, o);
  const sessionId = await t.createSession(u.id);
  const who: Who = { userId: u.id, username: u.username, email: u.email, groupId: "retail", sessionId, ip: IP };
  const challenge = await openChallenge(t.db, { sessionId, userId: u.id, purpose: "sign_in" });
  const options = await passkeyOptions(who, challenge);
  let passed = 0;
  const submit = (response: string, c: { id: string; purpose: Challenge["purpose"] } = challenge) =>
    answer(who, c, response, async () => {
      passed++;
      return "passed" as const;
    });
  return { u, key, who, challenge, options, submit, passedCount: () => passed };
}

/** verifyData as the registry offers it for this workflow (so the group's profile must allow passkeys). */
async function passkeyOptions(who: Who, challenge: Challenge): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const offered = await usableFactors(t.db, who, challenge.purpose);
  const passkey = offered.find((f) => f.id === "passkey");
  expect(passkey, "the retail group offers passkeys").toBeDefined();
  return ((await passkey!.verifyData(t.db, who, challenge)) as PasskeyVerifyData).optionsJSON;
}

async function failures(userId: string): Promise<number> {
  const [r] = await t.query<{ n: number }>(sql`SELECT failed_attempts AS n FROM users WHERE id = ${userId}`);
  return r!.n;
}

type CeremonyRow = { id: string; nonce: string; challenge: string; used: boolean };
async function ceremoniesOf(mfaChallengeId: string): Promise<CeremonyRow[]> {
  return t.query<CeremonyRow>(
    sql`SELECT id, nonce, challenge, used_at IS NOT NULL AS used FROM webauthn_challenges WHERE mfa_challenge_id = ${mfaChallengeId} ORDER BY created_at`,
  );
}

async function signCountOf(credentialId: string): Promise<number> {
  const [r] = await t.query<{ n: string | number }>(sql`SELECT sign_count AS n FROM webauthn_credentials WHERE credential_id = ${credentialId}`);
  return Number(r!.n);
}

async function challengeStatus(id: string): Promise<string> {
  const [r] = await t.query<{ status: string }>(sql`SELECT status FROM challenges WHERE id = ${id}`);
  return r!.status;
}

/** Everything a verification may change apart from the lockout counters and mfa.verify audit rows. */
async function stateOf(userId: string) {
  return {
    challenges: await t.query(sql`SELECT id, status, factor FROM challenges WHERE user_id = ${userId} ORDER BY id`),
    ceremonies: await t.query(sql`SELECT id, challenge, used_at FROM webauthn_challenges WHERE user_id = ${userId} ORDER BY id`),
    credentials: await t.query(sql`SELECT id, sign_count::text, backed_up, last_used_at FROM webauthn_credentials WHERE user_id = ${userId} ORDER BY id`),
    factors: await t.query(sql`SELECT id, status, last_used_at FROM factors WHERE user_id = ${userId} ORDER BY id`),
    sessions: await t.query(sql`SELECT id, mfa_state, revoked_at FROM sessions WHERE user_id = ${userId} ORDER BY id`),
    outbox: await t.query(sql`SELECT id FROM outbox WHERE user_id = ${userId} ORDER BY id`),
    audit: await t.query(sql`SELECT id FROM audit_events WHERE subject_user_id = ${userId} AND action <> 'mfa.verify' ORDER BY id`),
  };
}

function expectFailed(outcome: VerifyOutcome<unknown>, reason?: string) {
  expect(outcome.kind).toBe("failed");
  if (reason) expect(outcome).toMatchObject({ kind: "failed", reason, locked: false });
}

// Step-up: transfers through the real guard, answers that mint a grant as verifyStepUp does.

type ParsedTransfer = z.infer<typeof transferSchema>;

async function customer() {
  const user = await t.createUser();
  const key = await addPasskey(user.id);
  const main = await createAccount(t.db, user.id, { name: "Everyday", balanceMinor: 2_000_000 });
  const payee = await createPayee(t.db, user.id, { name: "Jane Doe", ageHours: 48 });
  const session = await createVerifiedSession(t.db, user.id);
  return { user, key, main, payee, session };
}

function transfer(session: SessionRow, input: ParsedTransfer, grantId?: string): Promise<ActionState> {
  return runGuarded(t.db, { session, ip: IP, guard: transferGuard, input, grantId, handler: transferHandler });
}

function stepUpOptions(state: ActionState): { challengeId: string; options: PublicKeyCredentialRequestOptionsJSON } {
  if (state.code !== "mfa_required") throw new Error(`expected "MFA required", got ${JSON.stringify(state)}`);
  const data = state.challenge;
  const passkey = data.factors.find((f) => f.id === "passkey");
  expect(passkey, "step-up offers the passkey").toBeDefined();
  return { challengeId: data.challengeId, options: (passkey!.data as PasskeyVerifyData).optionsJSON };
}

/** verifyStepUp's onPassed: a grant bound to the challenge's session, action and input hash. */
function answerStepUp(session: SessionRow, challengeId: string, response: string) {
  return answer(whoOf(session), { id: challengeId, purpose: "step_up" }, response, async (tx, challenge) => {
    const [grant] = await tx
      .insert(stepUpGrants)
      .values({
        sessionId: session.id,
        userId: session.userId,
        action: String(challenge.context.action),
        inputHash: String(challenge.context.inputHash),
        challengeId,
        expiresAt: sql`now() + interval '5 minutes'`,
      })
      .returning({ id: stepUpGrants.id });
    return grant!.id;
  });
}

async function balance(accountId: string): Promise<number> {
  const [a] = await t.query<{ b: string | number }>(sql`SELECT balance_minor AS b FROM accounts WHERE id = ${accountId}`);
  return Number(a!.b);
}

// ─── Tests ─────────────────────────────────────────────────────────────────────────────

describe(`passkey factor on ${process.env.DATABASE_URL ? "PostgreSQL" : "PGlite"}`, () => {
  it("a step-up signature is bound to its transfer: signed for €1,500 it fails the €1,600 challenge, then passes its own", async () => {
    const c = await customer();
    const inputA = transferSchema.parse({ from: c.main.id, to: `payee:${c.payee.id}`, amount: "1500.00", idempotencyKey: randomUUID() });
    const inputB = transferSchema.parse({ from: c.main.id, to: `payee:${c.payee.id}`, amount: "1600.00", idempotencyKey: randomUUID() });
    const a = stepUpOptions(await transfer(c.session, inputA));
    const b = stepUpOptions(await transfer(c.session, inputB));
    expect(a.challengeId).not.toBe(b.challengeId);
    expect(a.options.challenge).not.toBe(b.options.challenge);
    expect(a.options.rpId).toBe(relyingParty().rpID);
    expect(a.options.userVerification).toBe("required");
    expect(a.options.allowCredentials?.map((x) => x.id)).toEqual([c.key.id]);

    // The bytes the authenticator signs are SHA-256(session ‖ "step_up" ‖ action ‖ inputHash ‖ nonce) of A.
    const [ceremonyA] = await ceremoniesOf(a.challengeId);
    expect(ceremonyA).toMatchObject({ challenge: a.options.challenge, used: false });
    const [rowA] = await t.query<{ context: Record<string, unknown> }>(sql`SELECT context FROM challenges WHERE id = ${a.challengeId}`);
    expect(rowA!.context).toMatchObject({ action: "transfer", inputHash: inputHash("transfer", inputA) });
    const derived = (hash: string) =>
      isoBase64URL.fromBuffer(bindingChallenge({ sessionId: c.session.id, purpose: "step_up", action: "transfer", inputHash: hash, nonce: ceremonyA!.nonce }));
    expect(derived(inputHash("transfer", inputA))).toBe(a.options.challenge);
    expect(derived(inputHash("transfer", inputB))).not.toBe(a.options.challenge);

    const signedForA = c.key.assert(a.options.challenge, { counter: 1 });
    expectFailed(await answerStepUp(c.session, b.challengeId, signedForA), "wrong challenge");
    expect(await failures(c.user.id)).toBe(1);
    expect(await challengeStatus(b.challengeId)).toBe("open");
    expect((await ceremoniesOf(b.challengeId)).map((x) => x.used)).toEqual([false]);
    expect(await signCountOf(c.key.id)).toBe(0);

    const passed = await answerStepUp(c.session, a.challengeId, signedForA);
    expect(passed.kind).toBe("ok");
    expect(await failures(c.user.id)).toBe(0);
    expect(await challengeStatus(a.challengeId)).toBe("consumed");
    expect(await signCountOf(c.key.id)).toBe(1);

    // The grant it minted moves exactly transfer A.
    const grantId = (passed as { value: string }).value;
    expect(await transfer(c.session, inputA, grantId)).toMatchObject({ status: "ok" });
    expect(await balance(c.main.id)).toBe(2_000_000 - 150_000);
    expect(await challengeStatus(b.challengeId)).toBe("open");
  });

  it("20 parallel valid answers to one challenge: exactly one passes, the ceremony is spent once, nothing is counted", async () => {
    const s = await signInCase();
    const responses = Array.from({ length: 20 }, (_, i) => s.key.assert(s.options.challenge, { counter: i + 1 }));
    const outcomes = await Promise.all(responses.map((r) => s.submit(r)));

    const kinds = outcomes.map((o) => o.kind);
    expect(kinds.filter((k) => k === "ok")).toHaveLength(1);
    expect(kinds.filter((k) => k !== "ok" && k !== "expired" && k !== "failed")).toEqual([]);
    // Under the user's row lock the losers find the ceremony spent and the challenge consumed: not attempts.
    expect(kinds.filter((k) => k === "expired")).toHaveLength(19);
    expect(await failures(s.u.id)).toBe(0);
    expect(s.passedCount()).toBe(1);

    expect(await ceremoniesOf(s.challenge.id)).toEqual([expect.objectContaining({ challenge: s.options.challenge, used: true })]);
    const [ch] = await t.query<{ status: string; factor: string }>(sql`SELECT status, factor FROM challenges WHERE id = ${s.challenge.id}`);
    expect(ch).toEqual({ status: "consumed", factor: "passkey" });
    expect(await signCountOf(s.key.id)).toBe(kinds.indexOf("ok") + 1);
    const audit = await t.query<{ action: string; outcome: string }>(
      sql`SELECT action, outcome FROM audit_events WHERE subject_user_id = ${s.u.id} AND action IN ('mfa.verify', 'passkey.used')`,
    );
    expect(audit.filter((a) => a.action === "mfa.verify" && a.outcome === "ok")).toHaveLength(1);
    expect(audit.filter((a) => a.action === "passkey.used")).toHaveLength(1);
  });

  it("a counter lower than stored is refused as a counter regression: audited and mailed, the passkey's counter untouched", async () => {
    const s = await signInCase({ signCount: 10 });
    expectFailed(await s.submit(s.key.assert(s.options.challenge, { counter: 5 })), "counter regression");
    expect(await failures(s.u.id)).toBe(1);
    expect(await signCountOf(s.key.id)).toBe(10);
    expect(await challengeStatus(s.challenge.id)).toBe("open");
    expect((await ceremoniesOf(s.challenge.id)).map((x) => x.used)).toEqual([false]);
    expect(s.passedCount()).toBe(0);

    const audit = await t.query<{ outcome: string; registration: string; purpose: string }>(
      sql`SELECT outcome, details->>'registration' AS registration, details->>'purpose' AS purpose
            FROM audit_events WHERE subject_user_id = ${s.u.id} AND action = 'passkey.counter_regression'`,
    );
    expect(audit).toEqual([{ outcome: "refused", registration: s.key.factorId, purpose: "sign_in" }]);
    const mail = await t.query<{ to_address: string; subject: string }>(sql`SELECT to_address, subject FROM outbox WHERE user_id = ${s.u.id}`);
    expect(mail).toEqual([{ to_address: s.u.email, subject: "We refused a passkey on your MFA Bank account" }]);
  });

  it("wrong origin, wrong RP ID, an unknown or another user's credential, a forged signature are counted failures; the right passkey then passes", async () => {
    const s = await signInCase();
    const other = await t.createUser();
    const othersKey = await addPasskey(other.id);
    const stranger = new SoftPasskey();

    expectFailed(await s.submit(s.key.assert(s.options.challenge, { counter: 1, origin: "https://evil.example" })), "wrong origin");
    const wrongRp = await s.submit(s.key.assert(s.options.challenge, { counter: 1, rpID: "evil.example" }));
    expectFailed(wrongRp);
    expect(["wrong relying party", "invalid assertion"]).toContain((wrongRp as { reason: string }).reason);
    expectFailed(await s.submit(stranger.assert(s.options.challenge, { counter: 1 })), "unknown passkey");
    expectFailed(await s.submit(othersKey.assert(s.options.challenge, { counter: 1 })), "unknown passkey");
    // Signed by another key under this user's credential id: the signature itself is checked.
    const forged = { ...JSON.parse(stranger.assert(s.options.challenge, { counter: 1 })), id: s.key.id, rawId: s.key.id };
    expectFailed(await s.submit(JSON.stringify(forged)), "invalid assertion");

    expect(await failures(s.u.id)).toBe(5);
    expect(await failures(other.id)).toBe(0);
    expect(await signCountOf(s.key.id)).toBe(0);
    expect(await signCountOf(othersKey.id)).toBe(0);
    expect(await challengeStatus(s.challenge.id)).toBe("open");
    expect(s.passedCount()).toBe(0);

    // A failure leaves the ceremony open: a fresh, valid signature over it still passes (and resets the count).
    expect((await s.submit(s.key.assert(s.options.challenge, { counter: 1 }))).kind).toBe("ok");
    expect(await failures(s.u.id)).toBe(0);
    expect(s.passedCount()).toBe(1);
  });

  it("junk answers are counted as malformed and change nothing else", async () => {
    const s = await signInCase();
    const valid = JSON.parse(s.key.assert(s.options.challenge, { counter: 1 })) as { response: { clientDataJSON: string } };
    const clientData = Buffer.from(valid.response.clientDataJSON, "base64url").toString();
    const truncated = JSON.stringify({ ...valid, response: { ...valid.response, clientDataJSON: b64url(Buffer.from(clientData.slice(0, clientData.length / 2))) } });
    const registration = s.key.assert(s.options.challenge, {
      counter: 1,
      clientDataJSON: JSON.stringify({ type: "webauthn.create", challenge: s.options.challenge, origin: relyingParty().origin }),
    });
    const junk = ["", "{", "null", "A".repeat(15_000), truncated, registration];

    const before = await stateOf(s.u.id);
    for (const response of junk) expectFailed(await s.submit(response), "malformed");
    expect(await stateOf(s.u.id)).toEqual(before);
    expect(await failures(s.u.id)).toBe(junk.length);
    const reasons = await t.query<{ reason: string }>(
      sql`SELECT details->>'reason' AS reason FROM audit_events WHERE subject_user_id = ${s.u.id} AND action = 'mfa.verify' ORDER BY id`,
    );
    expect(reasons.map((r) => r.reason)).toEqual(junk.map(() => "malformed"));
    expect(s.passedCount()).toBe(0);
  });

  it("the same assertion again after it passed is expired, not counted; on a new challenge it is the wrong challenge", async () => {
    const s = await signInCase();
    const response = s.key.assert(s.options.challenge, { counter: 7 });
    expect((await s.submit(response)).kind).toBe("ok");

    const before = await stateOf(s.u.id);
    expect(await s.submit(response)).toEqual({ kind: "expired" });
    expect(await stateOf(s.u.id)).toEqual(before);
    expect(await failures(s.u.id)).toBe(0);
    expect(s.passedCount()).toBe(1);
    expect(await signCountOf(s.key.id)).toBe(7);

    // A later challenge of the same session gets its own ceremony: the old signature does not serve it.
    const next = await openChallenge(t.db, { sessionId: s.who.sessionId, userId: s.u.id, purpose: "sign_in" });
    expect(next.id).not.toBe(s.challenge.id);
    const nextOptions = await passkeyOptions(s.who, next);
    expect(nextOptions.challenge).not.toBe(s.options.challenge);
    expectFailed(await s.submit(response, next), "wrong challenge");
    expect(await failures(s.u.id)).toBe(1);
    expect(await challengeStatus(next.id)).toBe("open");
    expect(s.passedCount()).toBe(1);
  });
});
