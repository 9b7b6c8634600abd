import "server-only";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import {
  createLocalJWKSet,
  errors as joseErrors,
  jwtVerify,
  SignJWT,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from "jose";
import { z } from "zod";
import { open, seal, sha256 } from "@/lib/crypto";
import { rows, type DbOrTx } from "@/lib/db";
import type { Challenge, MfaProvider } from "@/lib/db/schema";
import { getEnv } from "@/lib/env";
import { ProviderFault } from "@/lib/mfa/provider/client";
import { getSettings } from "@/lib/settings";
import { BANK_ALG, bankSigningKey } from "./bank-key";
import { KeySetUnavailable, remoteKeySet } from "./key-sets";

/**
 * Redirect-based external MFA (Q2's "Redirect-Based Authentication"; the shape of
 * OIDC with a signed request object, RFC 9101, and PKCE, RFC 7636). docs/PROVIDER-CONTRACT.md
 * has both directions with examples.
 *
 * Out:  a redirect_challenges row (state hash, nonce, sealed PKCE verifier, the transaction's
 *       hash and words, expiry = the MFA token lifetime), then 303 to the provider's authorize
 *       URL with `request` = a JWT signed by the bank (ES256, key in lib/mfa/redirect/bank-key.ts).
 * Back: the callback claims the state once (this session's, unexpired), exchanges the code with
 *       the verifier and the client credentials, and verifies the provider's signed result
 *       (issuer, audience, signature with a pinned algorithm, nonce, subject, expiry on the
 *       bank's clock, purpose and transaction hash). Only then is the row `verified` with a
 *       verdict, which the counted attempt (lib/mfa/verify.ts → attemptMfa) takes once.
 * Every JWT and JWKS operation is jose's; nothing security-relevant is kept in memory (the
 * JWKS cache holds public keys only).
 */

/** The algorithms a provider's result may be signed with: never `none`, never HMAC. */
export const RESULT_ALGS = ["ES256", "RS256", "PS256", "EdDSA"];
/** A result token larger than this is refused before any parsing. */
export const MAX_TOKEN_CHARS = 8192;
const MAX_TOKEN_RESPONSE_BYTES = 32_768;
const CLOCK_TOLERANCE_S = 30;

export type RedirectEndpoint = {
  providerId: string;
  name: string;
  clientId: string;
  clientSecret: string;
  issuer: string;
  authorizeUrl: string;
  tokenUrl: string;
  jwks: { url: string } | { keys: JSONWebKeySet };
  timeoutMs: number;
};

/** The in-app mock provider's redirect endpoints: what a redirect provider row with blanks uses. */
export function mockRedirectDefaults(appUrl = getEnv().appUrl) {
  return {
    issuer: `${appUrl}/mock-provider`,
    authorizeUrl: `${appUrl}/mock-provider/authorize`,
    tokenUrl: `${appUrl}/mock-provider/api/redirect/token`,
    jwksUrl: `${appUrl}/mock-provider/api/redirect/jwks`,
  };
}

/** Where every provider sends the browser back (registered with the provider as the one redirect_uri). */
export function bankCallbackUrl(appUrl = getEnv().appUrl): string {
  return `${appUrl}/mfa/redirect/callback`;
}

export function redirectEndpointOf(p: MfaProvider): RedirectEndpoint {
  const d = mockRedirectDefaults();
  return {
    providerId: p.id,
    name: p.name,
    clientId: p.clientId,
    clientSecret: open(p.clientSecretEnc, getEnv().encryptionKey, `provider:${p.id}`),
    issuer: p.redirectIssuer ?? d.issuer,
    authorizeUrl: p.authorizeUrl ?? d.authorizeUrl,
    tokenUrl: p.tokenUrl ?? d.tokenUrl,
    jwks: p.jwks ? { keys: p.jwks as JSONWebKeySet } : { url: p.jwksUrl ?? d.jwksUrl },
    timeoutMs: p.timeoutMs,
  };
}

/** The keys a provider's result token is checked against, at the bank's time `nowMs` (lib/mfa/redirect/key-sets.ts). */
export function keySetOf(ep: Pick<RedirectEndpoint, "providerId" | "jwks" | "timeoutMs">, nowMs: number): JWTVerifyGetKey {
  if ("keys" in ep.jwks) return createLocalJWKSet(ep.jwks.keys);
  return remoteKeySet(ep.providerId, ep.jwks.url, ep.timeoutMs, nowMs);
}

/** The transaction a trip asks the user to approve: a step-up's exact input, or the sign-in/reset itself. */
export function transactionOf(challenge: Challenge, username: string): { hash: string; text: string } {
  const ctx = challenge.context;
  if (challenge.purpose === "step_up" && typeof ctx.inputHash === "string" && typeof ctx.description === "string") {
    return { hash: ctx.inputHash, text: ctx.description };
  }
  const hash = sha256(JSON.stringify({ purpose: challenge.purpose, challenge: challenge.id }));
  return challenge.purpose === "password_reset"
    ? { hash, text: `Reset the password of ${username}'s MFA Bank account` }
    : { hash, text: `Sign in to MFA Bank as ${username}` };
}

const pkceChallenge = (verifier: string) => createHash("sha256").update(verifier).digest("base64url");

/**
 * The way out: records the trip and builds the provider URL with the signed request. An older
 * pending trip of the same challenge is canceled (one request in flight): its state is dead.
 */
export async function startTrip(
  db: DbOrTx,
  p: MfaProvider,
  opts: { factor: string; challenge: Challenge; userId: string; sessionId: string; subject: string; username: string; returnTo: string | null },
): Promise<{ url: string; tripId: string }> {
  const ep = redirectEndpointOf(p);
  const { challenge } = opts;
  const txn = transactionOf(challenge, opts.username);
  const id = randomUUID();
  const state = randomBytes(32).toString("base64url");
  const nonce = randomBytes(24).toString("base64url");
  const verifier = randomBytes(32).toString("base64url");
  const { mfaTokenLifetimeMinutes } = await getSettings(db);
  const [r] = await rows<{ now_s: number; exp_s: number }>(
    db,
    sql`WITH canceled AS (
          UPDATE redirect_challenges SET status = 'CANCELED', reason = 'replaced by a new request', completed_at = app_now()
           WHERE challenge_id = ${challenge.id} AND status = 'pending'
        )
        INSERT INTO redirect_challenges (id, challenge_id, session_id, user_id, provider_id, factor, purpose, subject, txn_hash, txn_text,
                                         state_hash, nonce, code_verifier_enc, return_to, expires_at)
        VALUES (${id}, ${challenge.id}, ${opts.sessionId}, ${opts.userId}, ${p.id}, ${opts.factor}, ${challenge.purpose}, ${opts.subject},
                ${txn.hash}, ${txn.text}, ${sha256(state)}, ${nonce}, ${seal(verifier, getEnv().encryptionKey, `redirect:${id}`)},
                ${opts.returnTo}, app_now() + ${mfaTokenLifetimeMinutes}::int * interval '1 minute')
        RETURNING FLOOR(EXTRACT(EPOCH FROM app_now()))::bigint AS now_s, FLOOR(EXTRACT(EPOCH FROM expires_at))::bigint AS exp_s`,
  );
  const key = await bankSigningKey();
  const request = await new SignJWT({
    client_id: ep.clientId,
    redirect_uri: bankCallbackUrl(),
    response_type: "code",
    purpose: challenge.purpose,
    txn_hash: txn.hash,
    txn_text: txn.text,
    state,
    nonce,
    code_challenge: pkceChallenge(verifier),
    code_challenge_method: "S256",
  })
    .setProtectedHeader({ alg: BANK_ALG, kid: key.kid, typ: "oauth-authz-req+jwt" })
    .setIssuer(ep.clientId)
    .setAudience(ep.issuer)
    .setSubject(opts.subject)
    .setJti(id)
    .setIssuedAt(Number(r!.now_s))
    .setExpirationTime(Number(r!.exp_s))
    .sign(key.privateKey);
  const url = new URL(ep.authorizeUrl);
  url.searchParams.set("client_id", ep.clientId);
  url.searchParams.set("request", request);
  return { url: url.href, tripId: id };
}

/** The callback's query, strictly: anything else is refused before a row is touched. */
export const callbackSchema = z.union([
  z.object({ state: z.string().regex(/^[A-Za-z0-9_-]{43}$/), code: z.string().regex(/^[\x21-\x7e]{8,512}$/) }),
  z.object({ state: z.string().regex(/^[A-Za-z0-9_-]{43}$/), error: z.string().regex(/^[a-z_]{1,64}$/) }),
]);
export type CallbackParams = z.infer<typeof callbackSchema>;

type TripRow = {
  id: string;
  challenge_id: string;
  session_id: string;
  user_id: string;
  provider_id: string;
  factor: string;
  purpose: Challenge["purpose"];
  subject: string;
  txn_hash: string;
  nonce: string;
  code_verifier_enc: string;
  return_to: string | null;
  status: string;
  now_s: number;
};

export type Trip = { id: string; challengeId: string; factor: string; purpose: Challenge["purpose"]; returnTo: string | null };
const tripOf = (r: TripRow): Trip => ({ id: r.id, challengeId: r.challenge_id, factor: r.factor, purpose: r.purpose, returnTo: r.return_to });

export type ClaimResult =
  | { kind: "claimed"; row: TripRow }
  | { kind: "timeout"; trip: Trip }
  | { kind: "unknown"; reason: string };

/**
 * Claims the state once: only this session's pending trip, and only before it expires (then it
 * is TIMEOUT). A second use, another session's state or an unknown one claims nothing.
 */
export async function claimState(db: DbOrTx, state: string, session: { id: string; userId: string }): Promise<ClaimResult> {
  const [r] = await rows<TripRow>(
    db,
    sql`UPDATE redirect_challenges
           SET status = CASE WHEN expires_at > app_now() THEN 'claimed' ELSE 'TIMEOUT' END,
               reason = CASE WHEN expires_at > app_now() THEN reason ELSE 'came back after expiry' END,
               completed_at = app_now()
         WHERE state_hash = ${sha256(state)} AND session_id = ${session.id} AND user_id = ${session.userId} AND status = 'pending'
     RETURNING id, challenge_id, session_id, user_id, provider_id, factor, purpose, subject, txn_hash, nonce, code_verifier_enc, return_to, status,
               FLOOR(EXTRACT(EPOCH FROM app_now()))::bigint AS now_s`,
  );
  if (r) {
    r.now_s = Number(r.now_s);
    return r.status === "claimed" ? { kind: "claimed", row: r } : { kind: "timeout", trip: tripOf(r) };
  }
  // Why nothing was claimed, for the audit log only (the user sees one refusal for all of them).
  const [seen] = await rows<{ mine: boolean; status: string }>(
    db,
    sql`SELECT (session_id = ${session.id}) AS mine, status FROM redirect_challenges WHERE state_hash = ${sha256(state)}`,
  );
  return {
    kind: "unknown",
    reason: !seen ? "unknown state" : !seen.mine ? "state of another session" : `state already used (${seen.status})`,
  };
}

export async function endTrip(db: DbOrTx, id: string, status: "CANCELED" | "refused", reason: string): Promise<void> {
  await db.execute(
    sql`UPDATE redirect_challenges SET status = ${status}, reason = ${reason.slice(0, 300)}, completed_at = app_now() WHERE id = ${id} AND status = 'claimed'`,
  );
}

export async function markVerified(db: DbOrTx, id: string, verdict: "SUCCESS" | "FAILED"): Promise<boolean> {
  const r = await rows<{ id: string }>(
    db,
    sql`UPDATE redirect_challenges SET status = 'verified', verdict = ${verdict}, completed_at = app_now() WHERE id = ${id} AND status = 'claimed' RETURNING id`,
  );
  return r.length === 1;
}

/** Exchanges the one-time code (authorization_code + PKCE verifier, client_secret_basic): the provider's result token. */
export async function exchangeCode(ep: RedirectEndpoint, code: string, verifier: string): Promise<string> {
  let res: Response;
  try {
    res = await fetch(ep.tokenUrl, {
      method: "POST",
      redirect: "error",
      cache: "no-store",
      signal: AbortSignal.timeout(ep.timeoutMs),
      headers: {
        authorization: `Basic ${Buffer.from(`${encodeURIComponent(ep.clientId)}:${encodeURIComponent(ep.clientSecret)}`).toString("base64")}`,
        "content-type": "application/x-www-form-urlencoded",
        accept: "application/json",
      },
      body: new URLSearchParams({ grant_type: "authorization_code", code, code_verifier: verifier, redirect_uri: bankCallbackUrl() }).toString(),
    });
  } catch (err) {
    const name = (err as Error)?.name;
    if (name === "TimeoutError" || name === "AbortError") throw new ProviderFault("timeout", "token", `no answer within ${ep.timeoutMs} ms`);
    throw new ProviderFault("network", "token", (err as Error)?.message ?? String(err));
  }
  if (Number(res.headers.get("content-length") ?? 0) > MAX_TOKEN_RESPONSE_BYTES) throw new ProviderFault("malformed", "token", "response too large", res.status);
  const text = await res.text();
  if (text.length > MAX_TOKEN_RESPONSE_BYTES) throw new ProviderFault("malformed", "token", "response too large", res.status);
  // 400 invalid_grant: a used, expired or unknown code, or a verifier that does not match.
  if (res.status === 400) throw new ProviderFault("auth", "token", `code refused: ${text.slice(0, 100)}`, 400);
  if (res.status === 401) throw new ProviderFault("auth", "token", "client credentials refused", 401);
  if (res.status !== 200) throw new ProviderFault("status", "token", `HTTP ${res.status}`, res.status);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ProviderFault("malformed", "token", "the body is not JSON", res.status);
  }
  const parsed = z.object({ result_token: z.string().min(1).max(MAX_TOKEN_CHARS * 4) }).safeParse(body);
  if (!parsed.success) throw new ProviderFault("malformed", "token", "no result_token", res.status);
  return parsed.data.result_token;
}

export type Expected = {
  issuer: string;
  audience: string;
  nonce: string;
  subject: string;
  purpose: string;
  txnHash: string;
  /** The bank's clock (app_now()), seconds. */
  nowSeconds: number;
};

export type Verified = { ok: true; verdict: "SUCCESS" | "FAILED" } | { ok: false; reason: string; unavailable?: boolean };

/**
 * Verifies a provider's result token against what the trip expects. Refusals carry a reason for
 * the audit log; `unavailable` marks a provider fault (its JWKS unreachable), not a bad token.
 */
export async function verifyResult(token: string, expected: Expected, keys: JWTVerifyGetKey): Promise<Verified> {
  if (token.length > MAX_TOKEN_CHARS) return { ok: false, reason: "result token too large" };
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token)) return { ok: false, reason: "result token is not a signed JWT" };
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, keys, {
      issuer: expected.issuer,
      audience: expected.audience,
      algorithms: RESULT_ALGS,
      currentDate: new Date(expected.nowSeconds * 1000),
      clockTolerance: CLOCK_TOLERANCE_S,
      maxTokenAge: "10m",
      requiredClaims: ["iat", "exp", "sub", "nonce", "purpose", "txn_hash", "result"],
    }));
  } catch (err) {
    if (err instanceof joseErrors.JWTClaimValidationFailed) return { ok: false, reason: `claim ${err.claim}: ${err.reason}` };
    if (err instanceof joseErrors.JWTExpired) return { ok: false, reason: "result token expired" };
    if (err instanceof joseErrors.JWKSNoMatchingKey) return { ok: false, reason: "signed by an unknown key" };
    if (err instanceof joseErrors.JOSEAlgNotAllowed) return { ok: false, reason: "algorithm not allowed" };
    if (err instanceof joseErrors.JWSSignatureVerificationFailed) return { ok: false, reason: "bad signature" };
    if (err instanceof joseErrors.JWKSTimeout) return { ok: false, reason: "provider JWKS timed out", unavailable: true };
    if (err instanceof joseErrors.JOSEError) return { ok: false, reason: `invalid result token (${err.code})` };
    if (err instanceof KeySetUnavailable) return { ok: false, reason: `provider ${err.message}`, unavailable: true };
    return { ok: false, reason: "invalid result token" };
  }
  if (payload.sub !== expected.subject) return { ok: false, reason: "claim sub: another user" };
  if (payload.nonce !== expected.nonce) return { ok: false, reason: "claim nonce: does not match" };
  if (payload.purpose !== expected.purpose) return { ok: false, reason: "claim purpose: another purpose" };
  if (payload.txn_hash !== expected.txnHash) return { ok: false, reason: "claim txn_hash: another transaction" };
  if (payload.result === "approved") return { ok: true, verdict: "SUCCESS" };
  if (payload.result === "denied") return { ok: true, verdict: "FAILED" };
  return { ok: false, reason: "claim result: unknown value" };
}

export type CallbackResult =
  | { kind: "verified"; trip: Trip; verdict: "SUCCESS" | "FAILED" }
  | { kind: "ended"; trip: Trip; code: "timeout" | "canceled" | "refused" | "unavailable"; reason: string }
  | { kind: "unknown"; reason: string };

/**
 * The way back, up to a verified verdict: claim the state, then the provider's error, or the
 * code exchanged and its result verified. Nothing here counts or upgrades anything: the counted
 * attempt takes the verdict afterwards (lib/mfa/factors/external-redirect.ts).
 */
export async function finishTrip(
  db: DbOrTx,
  params: CallbackParams,
  session: { id: string; userId: string },
  providerOf: (id: string) => Promise<MfaProvider | null>,
): Promise<CallbackResult> {
  const claimed = await claimState(db, params.state, session);
  if (claimed.kind === "unknown") return claimed;
  if (claimed.kind === "timeout") return { kind: "ended", trip: claimed.trip, code: "timeout", reason: "came back after expiry" };
  const row = claimed.row;
  const trip = tripOf(row);
  if ("error" in params) {
    // The user left the provider's page (access_denied): canceled, not a failed attempt.
    const canceled = params.error === "access_denied";
    const reason = canceled ? "access_denied" : `provider error: ${params.error}`;
    await endTrip(db, row.id, canceled ? "CANCELED" : "refused", reason);
    return { kind: "ended", trip, code: canceled ? "canceled" : "unavailable", reason };
  }
  const p = await providerOf(row.provider_id);
  if (!p || p.type !== "redirect" || !p.enabled) {
    await endTrip(db, row.id, "refused", "provider disabled or no longer redirect-based");
    return { kind: "ended", trip, code: "unavailable", reason: "provider disabled or no longer redirect-based" };
  }
  const ep = redirectEndpointOf(p);
  let token: string;
  try {
    token = await exchangeCode(ep, params.code, open(row.code_verifier_enc, getEnv().encryptionKey, `redirect:${row.id}`));
  } catch (err) {
    if (!(err instanceof ProviderFault)) throw err;
    const refused = err.kind === "auth" && err.httpStatus === 400; // a replayed, expired or forged code
    await endTrip(db, row.id, "refused", err.message);
    return { kind: "ended", trip, code: refused ? "refused" : "unavailable", reason: err.message };
  }
  const verified = await verifyResult(
    token,
    { issuer: ep.issuer, audience: ep.clientId, nonce: row.nonce, subject: row.subject, purpose: row.purpose, txnHash: row.txn_hash, nowSeconds: row.now_s },
    keySetOf(ep, row.now_s * 1000),
  );
  if (!verified.ok) {
    await endTrip(db, row.id, "refused", verified.reason);
    return { kind: "ended", trip, code: verified.unavailable ? "unavailable" : "refused", reason: verified.reason };
  }
  if (!(await markVerified(db, row.id, verified.verdict))) return { kind: "unknown", reason: "trip changed meanwhile" };
  return { kind: "verified", trip, verdict: verified.verdict };
}

/** The newest trip of a challenge, as the Verify component shows it (TIMEOUT once a pending one has expired). */
export async function lastTripOf(db: DbOrTx, challengeId: string, sessionId: string): Promise<{ status: string } | null> {
  const [r] = await rows<{ status: string }>(
    db,
    sql`SELECT CASE WHEN status = 'pending' AND expires_at <= app_now() THEN 'TIMEOUT' ELSE status END AS status
          FROM redirect_challenges WHERE challenge_id = ${challengeId} AND session_id = ${sessionId}
         ORDER BY created_at DESC LIMIT 1`,
  );
  return r ?? null;
}
