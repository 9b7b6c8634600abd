import "server-only";
import { createHash, randomBytes } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import {
  createRemoteJWKSet,
  errors as joseErrors,
  importJWK,
  jwtVerify,
  SignJWT,
  type JWK,
  type JWTVerifyGetKey,
} from "jose";
import { z } from "zod";
import { sha256, safeEqual } from "@/lib/crypto";
import { rows, type DbOrTx } from "@/lib/db";
import { addMockSigningKey } from "./keys";
import { mockProviderClients, mockProviderKeys } from "./schema";
import { getEnv } from "@/lib/env";

/**
 * The mock provider's redirect-based side, as a real provider would build it
 * (docs/PROVIDER-CONTRACT.md, "Redirect type"):
 * - it checks each signed request against the client's registered JWKS URI (the bank's
 *   /api/jwks by default), like an OIDC provider checks a request object (RFC 9101);
 * - it sends the browser back only to the client's registered redirect URI;
 * - codes are single use, short-lived, bound to the client and to the PKCE challenge;
 * - results are signed with its own ES256 key, published with a `kid` at its JWKS endpoint.
 */
export const MOCK_REQUEST_ALG = "ES256";
export const CODE_SECONDS = 60;
const RESULT_SECONDS = 120;

export function mockIssuer(appUrl = getEnv().appUrl) {
  return `${appUrl}/mock-provider`;
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", "cache-control": "no-store" } });

async function appNowSeconds(db: DbOrTx): Promise<number> {
  const [r] = await rows<{ s: number }>(db, sql`SELECT FLOOR(EXTRACT(EPOCH FROM app_now()))::bigint AS s`);
  return Number(r!.s);
}

/** The newest signing key; the first one is made on first use (two racing makers: one insert wins, both use the newest). */
async function currentKey(db: DbOrTx): Promise<{ kid: string; privateJwk: JWK }> {
  const newest = async () =>
    (await rows<{ kid: string; private_jwk: unknown }>(db, sql`SELECT kid, private_jwk FROM mock_provider_keys ORDER BY created_at DESC, kid LIMIT 1`))[0];
  let row = await newest();
  if (!row) {
    await addMockSigningKey(db);
    row = await newest();
  }
  const jwk = (typeof row!.private_jwk === "string" ? JSON.parse(row!.private_jwk) : row!.private_jwk) as JWK;
  return { kid: row!.kid, privateJwk: jwk };
}

export async function mockJwks(db: DbOrTx): Promise<{ keys: JWK[] }> {
  await currentKey(db);
  const keys = await db.select({ publicJwk: mockProviderKeys.publicJwk }).from(mockProviderKeys);
  return { keys: keys.map((k) => k.publicJwk as JWK) };
}

// Public keys of clients, cached per URI; jose refetches once for an unknown kid.
const clientKeySets = new Map<string, JWTVerifyGetKey>();
function clientKeys(uri: string): JWTVerifyGetKey {
  let set = clientKeySets.get(uri);
  if (!set) {
    set = createRemoteJWKSet(new URL(uri), { timeoutDuration: 3000, cooldownDuration: 5000 });
    clientKeySets.set(uri, set);
  }
  return set;
}

const requestClaimsSchema = z.object({
  sub: z.string().min(1).max(254),
  client_id: z.string().min(1).max(256),
  redirect_uri: z.string().url().max(2048),
  response_type: z.literal("code"),
  purpose: z.enum(["sign_in", "password_reset", "step_up"]),
  txn_hash: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  txn_text: z.string().min(1).max(300),
  state: z.string().min(16).max(128),
  nonce: z.string().min(16).max(128),
  code_challenge: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  code_challenge_method: z.literal("S256"),
});
export type AuthorizationRequest = z.infer<typeof requestClaimsSchema> & { exp: number };

export type RequestCheck = { ok: true; request: AuthorizationRequest; displayName: string } | { ok: false; reason: string };

/**
 * Checks a signed request: the client exists, the signature is the client's (its JWKS), the
 * audience is this provider, it is unexpired, and it asks to come back to the registered URI.
 */
export async function checkRequest(db: DbOrTx, clientId: unknown, request: unknown): Promise<RequestCheck> {
  if (typeof clientId !== "string" || clientId.length > 256 || typeof request !== "string" || request.length > 8192) {
    return { ok: false, reason: "The request is missing or too large." };
  }
  const [client] = await db.select().from(mockProviderClients).where(eq(mockProviderClients.clientId, clientId));
  if (!client) return { ok: false, reason: "The request names a client this provider does not know." };
  const appUrl = getEnv().appUrl;
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(request, clientKeys(client.jwksUri ?? `${appUrl}/api/jwks`), {
      issuer: clientId,
      audience: mockIssuer(),
      algorithms: [MOCK_REQUEST_ALG],
      currentDate: new Date((await appNowSeconds(db)) * 1000),
      requiredClaims: ["exp", "iat", "sub"],
    }));
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) return { ok: false, reason: "The request has expired. Go back to the bank and start again." };
    return { ok: false, reason: "The request was not signed by the bank, or was changed on the way. Nothing was approved." };
  }
  const parsed = requestClaimsSchema.safeParse(payload);
  if (!parsed.success) return { ok: false, reason: "The request is incomplete." };
  const r = parsed.data;
  if (r.client_id !== clientId) return { ok: false, reason: "The request names another client." };
  const registered = client.redirectUri ?? `${appUrl}/mfa/redirect/callback`;
  if (r.redirect_uri !== registered) return { ok: false, reason: "The request asks to go back somewhere this client did not register." };
  const [u] = await rows<{ display_name: string }>(db, sql`SELECT display_name FROM mock_provider_users WHERE unique_name = ${r.sub}`);
  if (!u) return { ok: false, reason: "This provider does not know the user the request names." };
  return { ok: true, request: { ...r, exp: Number(payload.exp) }, displayName: u.display_name || r.sub };
}

/** Where the browser goes back to: the registered URI with the code (approved or denied) or an error, and the state. */
export function callbackUrl(request: AuthorizationRequest, params: Record<string, string>): string {
  const url = new URL(request.redirect_uri);
  for (const [k, v] of Object.entries({ ...params, state: request.state })) url.searchParams.set(k, v);
  return url.href;
}

/** Records the user's decision and issues the one-time code the client exchanges. */
export async function decide(db: DbOrTx, request: AuthorizationRequest, decision: "approved" | "denied"): Promise<string> {
  const code = randomBytes(32).toString("base64url");
  await db.execute(
    sql`INSERT INTO mock_provider_authorizations (client_id, subject, purpose, txn_hash, txn_text, state, nonce, code_challenge, redirect_uri, decision, code_hash, expires_at)
        VALUES (${request.client_id}, ${request.sub}, ${request.purpose}, ${request.txn_hash}, ${request.txn_text}, ${request.state}, ${request.nonce},
                ${request.code_challenge}, ${request.redirect_uri}, ${decision}, ${sha256(code)}, app_now() + ${CODE_SECONDS}::int * interval '1 second')`,
  );
  return callbackUrl(request, { code });
}

function basicClient(req: Request): { clientId: string; secret: string } | null {
  const basic = req.headers.get("authorization")?.match(/^Basic\s+([A-Za-z0-9+/=]{1,1024})$/i);
  if (!basic) return null;
  const decoded = Buffer.from(basic[1]!, "base64").toString("utf8");
  const i = decoded.indexOf(":");
  if (i <= 0) return null;
  try {
    return { clientId: decodeURIComponent(decoded.slice(0, i)), secret: decodeURIComponent(decoded.slice(i + 1)) };
  } catch {
    return null;
  }
}

/** POST /redirect/token: code + PKCE verifier + client credentials → the signed result. */
export async function exchange(db: DbOrTx, req: Request): Promise<Response> {
  const creds = basicClient(req);
  const body = (await req.text()).slice(0, 8192);
  const form = new URLSearchParams(body);
  if (form.get("grant_type") !== "authorization_code") return json(400, { error: "unsupported_grant_type" });
  if (!creds) return json(401, { error: "invalid_client" });
  const [client] = await db.select().from(mockProviderClients).where(eq(mockProviderClients.clientId, creds.clientId));
  if (!client || !safeEqual(client.secretHash, sha256(creds.secret))) return json(401, { error: "invalid_client" });
  const code = form.get("code") ?? "";
  const verifier = form.get("code_verifier") ?? "";
  if (!/^[A-Za-z0-9_-]{43,128}$/.test(verifier) || code.length > 512) return json(400, { error: "invalid_grant" });
  // Single use under any concurrency: one UPDATE spends the code.
  const [a] = await rows<{ subject: string; purpose: string; txn_hash: string; nonce: string; code_challenge: string; redirect_uri: string; decision: string }>(
    db,
    sql`UPDATE mock_provider_authorizations SET code_used_at = app_now()
         WHERE code_hash = ${sha256(code)} AND client_id = ${creds.clientId} AND code_used_at IS NULL AND expires_at > app_now()
     RETURNING subject, purpose, txn_hash, nonce, code_challenge, redirect_uri, decision`,
  );
  if (!a) return json(400, { error: "invalid_grant", error_description: "unknown, used or expired code" });
  if (createHash("sha256").update(verifier).digest("base64url") !== a.code_challenge) return json(400, { error: "invalid_grant", error_description: "PKCE verifier does not match" });
  if (form.get("redirect_uri") !== a.redirect_uri) return json(400, { error: "invalid_grant", error_description: "redirect_uri differs" });
  const { kid, privateJwk } = await currentKey(db);
  const now = await appNowSeconds(db);
  const result_token = await new SignJWT({ nonce: a.nonce, purpose: a.purpose, txn_hash: a.txn_hash, result: a.decision })
    .setProtectedHeader({ alg: MOCK_REQUEST_ALG, kid, typ: "JWT" })
    .setIssuer(mockIssuer())
    .setAudience(creds.clientId)
    .setSubject(a.subject)
    .setIssuedAt(now)
    .setExpirationTime(now + RESULT_SECONDS)
    .sign(await importJWK(privateJwk, MOCK_REQUEST_ALG));
  return json(200, { result_token, token_type: "N_A" });
}
