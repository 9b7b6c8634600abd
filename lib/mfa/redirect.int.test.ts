import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { sql } from "drizzle-orm";
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, UnsecuredJWT, type CryptoKey, type JWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handleProviderRequest } from "@/mock-provider/handler";
import { checkRequest, decide } from "@/mock-provider/redirect";
import { sha256 } from "@/lib/crypto";
import { groups, mfaProviders, type MfaProvider } from "@/lib/db/schema";
import { enrolAtMockProvider } from "@/lib/db/seed";
import { ensureMockSigningKey, registerMockClient } from "@/mock-provider/setup";
import { createTestDb, type TestDb } from "@/lib/db/test-db";
import { openChallenge } from "./challenges";
import { sealClientSecret } from "./provider/config";
import { bankJwks } from "./redirect/bank-key";
import { clearKeySets } from "./redirect/key-sets";
import { finishTrip, MAX_TOKEN_CHARS, startTrip, verifyResult, type Expected } from "./redirect/flow";
import { usableFactors } from "./registry";
import { answerChallenge } from "./verify";

/**
 * The redirect-based provider type end to end in process: the bank's trip out
 * (lib/mfa/redirect/flow.ts), the in-app mock's request check, decision and code exchange over
 * real HTTP, the bank's verification of the signed result, and the counted attempt. Then the
 * verification rules one by one against tokens made here.
 */
let t: TestDb;
let server: http.Server;
let provider: MfaProvider;
const PREFIX = "mockr";
const FACTOR = `${PREFIX}:redirect`;

beforeAll(async () => {
  t = await createTestDb();
  await ensureMockSigningKey(t.db);
  server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url!, "http://127.0.0.1");
    if (url.pathname === "/bank-jwks") {
      res.writeHead(200, { "content-type": "application/json" });
      return res.end(JSON.stringify(await bankJwks()));
    }
    const request = new Request(url, { method: req.method, headers: req.headers as Record<string, string>, body: req.method === "GET" ? undefined : Buffer.concat(chunks) });
    const response = await handleProviderRequest(t.db, request, url.pathname.split("/").filter(Boolean).slice(1));
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await registerMockClient(t.db, { clientId: "int-redirect", secret: "int-redirect-secret", jwksUri: `${base}/bank-jwks` });
  const id = randomUUID();
  [provider] = await t.db
    .insert(mfaProviders)
    .values({
      id,
      name: "Mock Verify",
      credentialPrefix: PREFIX,
      type: "redirect",
      tokenUrl: `${base}/api/redirect/token`,
      jwksUrl: `${base}/api/redirect/jwks`,
      clientId: "int-redirect",
      clientSecretEnc: sealClientSecret(id, "int-redirect-secret"),
      timeoutMs: 2000,
    })
    .returning();
  await t.db
    .insert(groups)
    .values({ id: "int_redirect", name: "Redirect", mfaRequired: true, signInFactors: [FACTOR, "recovery"], stepUpFactors: [FACTOR, "recovery"] })
    .onConflictDoNothing();
  clearKeySets();
});

afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await t?.close();
});

async function setup(purpose: "sign_in" | "step_up" = "sign_in") {
  const u = await t.createUser({ group: "int_redirect" });
  await enrolAtMockProvider(t.db, { id: u.id, username: u.username, displayName: "Int User" }, [{ capability: "sms_otp", address: "+31 6 0" }], { prefix: PREFIX, inApp: true });
  const sessionId = await t.createSession(u.id, { mfaState: purpose === "sign_in" ? "pending" : "verified" });
  const challenge = await openChallenge(t.db, {
    sessionId,
    userId: u.id,
    purpose,
    ...(purpose === "step_up" ? { key: "transfer:h", context: { action: "transfer", inputHash: sha256("transfer-1500"), description: "Transfer €1,500.00 to City Lettings ••6789" } } : {}),
  });
  const user = { userId: u.id, username: u.username, email: u.email, groupId: "int_redirect", sessionId, ip: null };
  const failures = async () => (await t.query<{ n: number }>(sql`SELECT failed_attempts AS n FROM users WHERE id = ${u.id}`))[0]!.n;
  /** Out to the provider: the signed request as its page receives it. */
  const out = async () => {
    const { url } = await startTrip(t.db, provider, { factor: FACTOR, challenge, userId: u.id, sessionId, subject: u.username, username: u.username, returnTo: null });
    const q = new URL(url).searchParams;
    const checked = await checkRequest(t.db, q.get("client_id"), q.get("request"));
    if (!checked.ok) throw new Error(checked.reason);
    return checked.request;
  };
  /** The provider's page answers; the browser comes back with these query parameters. */
  const answerAt = async (request: Awaited<ReturnType<typeof out>>, decision: "approved" | "denied") => {
    const back = new URL(await decide(t.db, request, decision));
    return { state: back.searchParams.get("state")!, code: back.searchParams.get("code")! };
  };
  const back = (params: { state: string; code: string } | { state: string; error: string }, session = { id: sessionId, userId: u.id }) =>
    finishTrip(t.db, params, session, async () => provider);
  const attempt = (tripId: string) => answerChallenge(t.db, user, { challengeId: challenge.id, purpose, factorId: FACTOR, input: { trip: tripId } }, async () => "passed");
  return { u, user, sessionId, challenge, failures, out, answerAt, back, attempt };
}

describe("a redirect-based provider round trip", () => {
  it("the factor is offered only while the provider's type is redirect", async () => {
    const { user } = await setup();
    expect((await usableFactors(t.db, user, "sign_in")).map((f) => f.id)).toContain(FACTOR);
    await t.query(sql`UPDATE mfa_providers SET type = 'standard' WHERE credential_prefix = ${PREFIX}`);
    try {
      expect((await usableFactors(t.db, user, "sign_in")).map((f) => f.id)).not.toContain(FACTOR);
    } finally {
      await t.query(sql`UPDATE mfa_providers SET type = 'redirect' WHERE credential_prefix = ${PREFIX}`);
    }
  });

  it("the provider's page sees the bank's signed words; approved → verified → one passed attempt", async () => {
    const s = await setup();
    const request = await s.out();
    expect(request).toMatchObject({ sub: s.u.username, purpose: "sign_in", txn_text: `Sign in to MFA Bank as ${s.u.username}`, code_challenge_method: "S256" });
    const params = await s.answerAt(request, "approved");
    const r = await s.back(params);
    expect(r).toMatchObject({ kind: "verified", verdict: "SUCCESS" });
    const tripId = (r as { trip: { id: string } }).trip.id;
    expect(await s.attempt(tripId)).toEqual({ kind: "ok", value: "passed" });
    // The same verdict cannot be taken twice, and the state cannot come back again.
    expect(await s.attempt(tripId)).toEqual({ kind: "expired" });
    expect(await s.back(params)).toMatchObject({ kind: "unknown", reason: "state already used (used)" });
  });

  it("denied → FAILED, counted like a wrong code", async () => {
    const s = await setup();
    const r = await s.back(await s.answerAt(await s.out(), "denied"));
    expect(r).toMatchObject({ kind: "verified", verdict: "FAILED" });
    expect(await s.attempt((r as { trip: { id: string } }).trip.id)).toMatchObject({ kind: "failed", reason: "redirect denied" });
    expect(await s.failures()).toBe(1);
  });

  it("access_denied → CANCELED and a late return → TIMEOUT: nothing counted", async () => {
    const s = await setup();
    const request = await s.out();
    expect(await s.back({ state: request.state, error: "access_denied" })).toMatchObject({ kind: "ended", code: "canceled" });
    const again = await s.out();
    await t.query(sql`UPDATE redirect_challenges SET expires_at = app_now() - interval '1 second' WHERE challenge_id = ${s.challenge.id} AND status = 'pending'`);
    expect(await s.back(await s.answerAt(again, "approved"))).toMatchObject({ kind: "ended", code: "timeout" });
    expect(await s.failures()).toBe(0);
  });

  it("a state is refused in another session (and stays usable by its own), after a newer trip, and when forged", async () => {
    const s = await setup();
    const other = await setup();
    const params = await s.answerAt(await s.out(), "approved");
    expect(await s.back(params, { id: other.sessionId, userId: other.u.id })).toMatchObject({ kind: "unknown", reason: "state of another session" });
    expect(await s.back({ state: "A".repeat(43), code: params.code })).toMatchObject({ kind: "unknown", reason: "unknown state" });
    // A newer trip of the same challenge cancels the older one.
    await s.out();
    expect(await s.back(params)).toMatchObject({ kind: "unknown", reason: "state already used (CANCELED)" });
  });

  it("a code is exchanged once, and only with its own trip's PKCE verifier", async () => {
    const s = await setup();
    const first = await s.answerAt(await s.out(), "approved");
    const r1 = await s.back(first);
    expect(r1.kind).toBe("verified");
    // The same code presented with a new trip's state: the provider refuses the used code.
    const second = await s.out();
    expect(await s.back({ state: second.state, code: first.code })).toMatchObject({ kind: "ended", code: "refused" });
    // Another trip's fresh code: its PKCE challenge is not this trip's verifier.
    const a = await setup();
    const foreign = await a.answerAt(await a.out(), "approved");
    const third = await s.out();
    expect(await s.back({ state: third.state, code: foreign.code })).toMatchObject({ kind: "ended", code: "refused", reason: expect.stringContaining("PKCE") });
  });

  it("a step-up trip carries the transfer's hash and words; its result serves no sign-in", async () => {
    const s = await setup("step_up");
    const request = await s.out();
    expect(request).toMatchObject({ purpose: "step_up", txn_hash: sha256("transfer-1500"), txn_text: "Transfer €1,500.00 to City Lettings ••6789" });
    const r = await s.back(await s.answerAt(request, "approved"));
    expect(r.kind).toBe("verified");
    const tripId = (r as { trip: { id: string } }).trip.id;
    const signIn = await openChallenge(t.db, { sessionId: s.sessionId, userId: s.u.id, purpose: "sign_in" });
    const misuse = await answerChallenge(t.db, s.user, { challengeId: signIn.id, purpose: "sign_in", factorId: FACTOR, input: { trip: tripId } }, async () => "passed");
    expect(misuse).toMatchObject({ kind: "continue" });
    expect(await s.attempt(tripId)).toEqual({ kind: "ok", value: "passed" });
  });
});

describe("the result token's verification rules", () => {
  let key: CryptoKey;
  let jwk: JWK;
  const now = Math.floor(Date.now() / 1000);
  const expected: Expected = { issuer: "https://idp.example", audience: "bank", nonce: "n".repeat(32), subject: "carol", purpose: "step_up", txnHash: sha256("t"), nowSeconds: now };
  const claims = { nonce: expected.nonce, purpose: "step_up", txn_hash: expected.txnHash, result: "approved" };

  beforeAll(async () => {
    const pair = await generateKeyPair("ES256", { extractable: true });
    key = pair.privateKey;
    jwk = { ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "ES256" };
  });

  const keys = () => createLocalJWKSet({ keys: [jwk] });
  const sign = (over: Record<string, unknown> = {}, opts: { iss?: string; aud?: string; sub?: string; exp?: number; kid?: string; signer?: CryptoKey } = {}) =>
    new SignJWT({ ...claims, ...over })
      .setProtectedHeader({ alg: "ES256", kid: opts.kid ?? "k1" })
      .setIssuer(opts.iss ?? expected.issuer)
      .setAudience(opts.aud ?? expected.audience)
      .setSubject(opts.sub ?? expected.subject)
      .setIssuedAt(now)
      .setExpirationTime(opts.exp ?? now + 120)
      .sign(opts.signer ?? key);

  it("a good token: approved → SUCCESS, denied → FAILED", async () => {
    expect(await verifyResult(await sign(), expected, keys())).toEqual({ ok: true, verdict: "SUCCESS" });
    expect(await verifyResult(await sign({ result: "denied" }), expected, keys())).toEqual({ ok: true, verdict: "FAILED" });
  });

  it.each([
    ["another issuer", { }, { iss: "https://evil.example" }, /claim iss/],
    ["another audience", {}, { aud: "someone-else" }, /claim aud/],
    ["another user", {}, { sub: "mallory" }, /claim sub/],
    ["another nonce", { nonce: "x".repeat(32) }, {}, /claim nonce/],
    ["another purpose", { purpose: "sign_in" }, {}, /claim purpose/],
    ["another transaction (the amount changed)", { txn_hash: sha256("transfer-9999") }, {}, /claim txn_hash/],
    ["an expired token", {}, { exp: now - 600 }, /expired|claim exp/],
    ["an unknown key", {}, { kid: "k9" }, /unknown key/],
    ["an unknown result", { result: "maybe" }, {}, /claim result/],
  ] as const)("refuses %s", async (_name, over, opts, reason) => {
    const r = await verifyResult(await sign(over, opts), expected, keys());
    expect(r.ok).toBe(false);
    expect((r as { reason: string }).reason).toMatch(reason);
  });

  it("refuses a token signed by another key under a known kid", async () => {
    const other = await generateKeyPair("ES256");
    expect(await verifyResult(await sign({}, { signer: other.privateKey }), expected, keys())).toMatchObject({ ok: false, reason: "bad signature" });
  });

  it("refuses alg none and HMAC tokens, huge and garbage ones", async () => {
    const none = new UnsecuredJWT({ ...claims }).setIssuer(expected.issuer).setAudience(expected.audience).setSubject("carol").setIssuedAt(now).setExpirationTime(now + 60).encode();
    expect((await verifyResult(none, expected, keys())).ok).toBe(false);
    const hs = await new SignJWT({ ...claims })
      .setProtectedHeader({ alg: "HS256", kid: "k1" })
      .setIssuer(expected.issuer)
      .setAudience(expected.audience)
      .setSubject("carol")
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .sign(new TextEncoder().encode("x".repeat(32)));
    expect(await verifyResult(hs, expected, keys())).toMatchObject({ ok: false });
    expect(await verifyResult(`${"a".repeat(MAX_TOKEN_CHARS)}.b.c`, expected, keys())).toMatchObject({ ok: false, reason: "result token too large" });
    expect(await verifyResult("<html>not a token", expected, keys())).toMatchObject({ ok: false, reason: "result token is not a signed JWT" });
    expect(await verifyResult("e30.e30.e30", expected, keys())).toMatchObject({ ok: false });
  });
});
