import "server-only";
import { randomBytes, randomInt } from "node:crypto";
import { and, eq, gt, sql } from "drizzle-orm";
import { z } from "zod";
import { rows, type DbOrTx } from "@/lib/db";
import { mockProviderClients, mockProviderTargets, mockProviderTokens, mockProviderUsers } from "./schema";
import { sha256 } from "@/lib/crypto";
import { getEnv } from "@/lib/env";
import { checkRequest, decide, exchange, mockJwks, callbackUrl } from "./redirect";
import { initiateRequestSchema, validateRequestSchema, type Capability, type TransactionStatus } from "@/lib/mfa/provider/contract";

/**
 * The mock external MFA provider: docs/PROVIDER-CONTRACT.md, implemented over its own
 * mock_provider_* tables. One dispatcher serves every route, so the contract tests run the
 * documented examples against exactly this code (lib/mfa/provider/provider-contract.test.ts).
 */
export const TOKEN_SECONDS = 3600;
export const CODE_SECONDS = 300;
/** The push timeout when neither the request nor the user says otherwise. */
export const DEFAULT_PUSH_SECONDS = 120;
/** Push-fatigue guard: at most this many pushes per user per minute. */
export const PUSHES_PER_MINUTE = 3;

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", "cache-control": "no-store" } });
const error = (status: number, code: string, message?: string) => json(status, { error: code, ...(message ? { message } : {}) });

export function maskTarget(capability: string, address: string): string {
  if (capability === "email_otp") {
    const [local = "", domain = ""] = address.split("@");
    return `${local.slice(0, 1)}•••@${domain}`;
  }
  if (capability === "mobile_push") return address;
  return `••••${address.replace(/\D/g, "").slice(-4)}`;
}

type TxnRow = {
  id: string;
  client_id: string;
  unique_name: string;
  capability: Capability;
  status: TransactionStatus;
  code_hash: string | null;
  expired: boolean;
};

const hashCode = (txnId: string, code: string) => sha256(`mock-otp:${txnId}:${code}`);

/** Reads a transaction; a PENDING one past its expiry becomes TIMEOUT first (terminal states are final). */
async function loadTxn(db: DbOrTx, id: string, clientId: string): Promise<TxnRow | null> {
  if (!z.uuid().safeParse(id).success) return null;
  await db.execute(
    sql`UPDATE mock_provider_transactions SET status = 'TIMEOUT', completed_at = app_now()
         WHERE id = ${id} AND status = 'PENDING' AND expires_at <= app_now()`,
  );
  const [row] = await rows<TxnRow>(
    db,
    sql`SELECT t.id, t.client_id, u.unique_name, t.capability, t.status, t.code_hash, (t.expires_at <= app_now()) AS expired
          FROM mock_provider_transactions t JOIN mock_provider_users u ON u.id = t.user_id
         WHERE t.id = ${id} AND t.client_id = ${clientId}`,
  );
  return row ?? null;
}

const txnBody = (t: { id: string; unique_name: string; capability: string; status: string }) => ({
  transactionId: t.id,
  uniqueName: t.unique_name,
  capability: t.capability,
  status: t.status,
});

async function issueToken(db: DbOrTx, req: Request): Promise<Response> {
  let clientId: string | undefined;
  let secret: string | undefined;
  const basic = req.headers.get("authorization")?.match(/^Basic\s+(.+)$/i);
  const form = new URLSearchParams(await req.text());
  if (basic) {
    const decoded = Buffer.from(basic[1]!, "base64").toString("utf8");
    const i = decoded.indexOf(":");
    if (i > 0) {
      clientId = decodeURIComponent(decoded.slice(0, i));
      secret = decodeURIComponent(decoded.slice(i + 1));
    }
  } else {
    clientId = form.get("client_id") ?? undefined;
    secret = form.get("client_secret") ?? undefined;
  }
  if (form.get("grant_type") !== "client_credentials") return error(400, "unsupported_grant_type");
  if (!clientId || !secret) return error(401, "invalid_client");
  const [client] = await db.select().from(mockProviderClients).where(eq(mockProviderClients.clientId, clientId));
  if (!client || client.secretHash !== sha256(secret)) return error(401, "invalid_client");
  const token = randomBytes(32).toString("base64url");
  await db.execute(sql`DELETE FROM mock_provider_tokens WHERE expires_at < app_now()`);
  await db.insert(mockProviderTokens).values({
    tokenHash: sha256(token),
    clientId,
    expiresAt: sql`app_now() + ${TOKEN_SECONDS}::int * interval '1 second'`,
  });
  return json(200, { access_token: token, token_type: "Bearer", expires_in: TOKEN_SECONDS });
}

async function bearerClient(db: DbOrTx, req: Request): Promise<string | null> {
  const m = req.headers.get("authorization")?.match(/^Bearer\s+([A-Za-z0-9_-]{16,128})$/);
  if (!m) return null;
  const [t] = await db
    .select({ clientId: mockProviderTokens.clientId })
    .from(mockProviderTokens)
    .where(and(eq(mockProviderTokens.tokenHash, sha256(m[1]!)), gt(mockProviderTokens.expiresAt, sql`app_now()`)));
  return t?.clientId ?? null;
}

async function readJson(req: Request): Promise<unknown> {
  try {
    return await req.json();
  } catch {
    return undefined;
  }
}

async function listEnrollments(db: DbOrTx, url: URL): Promise<Response> {
  const uniqueName = url.searchParams.get("uniqueName");
  if (!uniqueName || uniqueName.length > 254 || uniqueName.includes("\0")) return error(400, "invalid_request", "uniqueName is required");
  const targets = await db
    .select({ id: mockProviderTargets.id, capability: mockProviderTargets.capability, address: mockProviderTargets.address })
    .from(mockProviderTargets)
    .innerJoin(mockProviderUsers, eq(mockProviderUsers.id, mockProviderTargets.userId))
    .where(eq(mockProviderUsers.uniqueName, uniqueName))
    .orderBy(
      sql`array_position(ARRAY['mobile_push','sms_otp','voice_otp','email_otp'], ${mockProviderTargets.capability})`,
      mockProviderTargets.createdAt,
      mockProviderTargets.address,
    );
  return json(200, {
    uniqueName,
    enrollments: targets.map((t) => ({ id: t.id, capability: t.capability, maskedTarget: maskTarget(t.capability, t.address) })),
  });
}

function threeChoices(answer: number): number[] {
  const set = new Set([answer]);
  while (set.size < 3) set.add(randomInt(10, 100));
  return [...set].sort(() => randomInt(0, 3) - 1);
}

async function initiateTxn(db: DbOrTx, clientId: string, req: Request): Promise<Response> {
  const parsed = initiateRequestSchema.safeParse(await readJson(req));
  if (!parsed.success) return error(400, "invalid_request", parsed.error.issues[0]?.message);
  const { uniqueName, capability, enrollmentId, expiresInSeconds } = parsed.data;
  // PostgreSQL text cannot hold NUL: such a name names nobody.
  if (uniqueName.includes("\0")) return error(404, "enrollment_not_found");
  if (!z.uuid().safeParse(enrollmentId).success) return error(404, "enrollment_not_found");
  const [target] = await rows<{ id: string; user_id: string; address: string; push_timeout_seconds: number | null }>(
    db,
    sql`SELECT t.id, t.user_id, t.address, u.push_timeout_seconds
          FROM mock_provider_targets t JOIN mock_provider_users u ON u.id = t.user_id
         WHERE t.id = ${enrollmentId} AND u.unique_name = ${uniqueName} AND t.capability = ${capability}`,
  );
  if (!target) return error(404, "enrollment_not_found");

  if (capability === "mobile_push") {
    const [recent] = await rows<{ n: number }>(
      db,
      sql`SELECT count(*)::int AS n FROM mock_provider_transactions
           WHERE user_id = ${target.user_id} AND capability = 'mobile_push' AND created_at > app_now() - interval '1 minute'`,
    );
    if ((recent?.n ?? 0) >= PUSHES_PER_MINUTE) return error(429, "too_many_pushes", "Wait a minute before sending another push.");
    const seconds = target.push_timeout_seconds ?? expiresInSeconds ?? DEFAULT_PUSH_SECONDS;
    const number = randomInt(10, 100);
    const [t] = await rows<{ id: string; expires_at: string }>(
      db,
      sql`INSERT INTO mock_provider_transactions (client_id, user_id, target_id, capability, number_to_match, choices, expires_at)
          VALUES (${clientId}, ${target.user_id}, ${target.id}, 'mobile_push', ${number}, ${JSON.stringify(threeChoices(number))}::jsonb,
                  app_now() + ${seconds}::int * interval '1 second')
          RETURNING id, to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS expires_at`,
    );
    return json(201, { transactionId: t!.id, status: "PENDING", expiresAt: t!.expires_at, numberToMatch: number });
  }

  const code = String(randomInt(0, 1_000_000)).padStart(6, "0");
  const how = capability === "sms_otp" ? "Text message" : capability === "voice_otp" ? "Voice call" : "E-mail";
  const [t] = await rows<{ id: string; expires_at: string }>(
    db,
    sql`INSERT INTO mock_provider_transactions (client_id, user_id, target_id, capability, message, expires_at)
        VALUES (${clientId}, ${target.user_id}, ${target.id}, ${capability},
                ${`${how} to ${target.address}: Your MFA Bank code is ${code}. It expires in 5 minutes. Never share it.`},
                app_now() + ${CODE_SECONDS}::int * interval '1 second')
        RETURNING id, to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS expires_at`,
  );
  await db.execute(sql`UPDATE mock_provider_transactions SET code_hash = ${hashCode(t!.id, code)} WHERE id = ${t!.id}`);
  return json(201, { transactionId: t!.id, status: "PENDING", expiresAt: t!.expires_at });
}

async function validateTxn(db: DbOrTx, clientId: string, req: Request): Promise<Response> {
  const parsed = validateRequestSchema.safeParse(await readJson(req));
  if (!parsed.success) return error(400, "invalid_request", parsed.error.issues[0]?.message);
  const t = await loadTxn(db, parsed.data.transactionId, clientId);
  if (!t || !t.code_hash) return error(404, "transaction_not_found");
  if (t.status !== "PENDING") return json(200, txnBody(t));
  // One guess per code; the single UPDATE makes it single-use under any concurrency.
  const ok = /^\d{6}$/.test(parsed.data.code) && hashCode(t.id, parsed.data.code) === t.code_hash;
  const [after] = await rows<{ status: TransactionStatus }>(
    db,
    sql`UPDATE mock_provider_transactions SET status = ${ok ? "SUCCESS" : "FAILED"}, completed_at = app_now()
         WHERE id = ${t.id} AND status = 'PENDING' RETURNING status`,
  );
  const now = after ?? (await loadTxn(db, t.id, clientId))!;
  return json(200, txnBody({ ...t, status: now.status }));
}

async function getTxn(db: DbOrTx, clientId: string, id: string): Promise<Response> {
  const t = await loadTxn(db, id, clientId);
  return t ? json(200, txnBody(t)) : error(404, "transaction_not_found");
}

async function cancelTxn(db: DbOrTx, clientId: string, id: string): Promise<Response> {
  const t = await loadTxn(db, id, clientId);
  if (!t) return error(404, "transaction_not_found");
  await db.execute(
    sql`UPDATE mock_provider_transactions SET status = 'CANCELED', completed_at = app_now() WHERE id = ${t.id} AND status = 'PENDING'`,
  );
  return getTxn(db, clientId, id);
}

/** `path` is what follows /mock-provider/api, e.g. ["v1", "mfa", "validate"]. */
export async function handleProviderRequest(db: DbOrTx, req: Request, path: string[]): Promise<Response> {
  const route = `${req.method} /${path.join("/")}`;
  if (route === "POST /oauth/token") return issueToken(db, req);
  // The redirect type: ./redirect.ts.
  if (route === "POST /redirect/token") return exchange(db, req);
  if (route === "GET /redirect/jwks") {
    return new Response(JSON.stringify(await mockJwks(db)), { status: 200, headers: { "content-type": "application/jwk-set+json", "cache-control": "no-store" } });
  }
  if (route === "POST /redirect/decision") return decision(db, req);
  const clientId = await bearerClient(db, req);
  const known =
    /^(GET \/v1\/enrollments|POST \/v1\/mfa|POST \/v1\/mfa\/validate|GET \/v1\/mfa\/transactions\/[^/]+|POST \/v1\/mfa\/transactions\/[^/]+\/cancel)$/.test(
      route,
    );
  if (!known) return error(404, "not_found");
  if (!clientId) return new Response(JSON.stringify({ error: "invalid_token" }), { status: 401, headers: { "content-type": "application/json", "www-authenticate": "Bearer" } });
  if (route === "GET /v1/enrollments") return listEnrollments(db, new URL(req.url));
  if (route === "POST /v1/mfa") return initiateTxn(db, clientId, req);
  if (route === "POST /v1/mfa/validate") return validateTxn(db, clientId, req);
  if (req.method === "GET") return getTxn(db, clientId, path[3]!);
  return cancelTxn(db, clientId, path[3]!);
}

/**
 * The authorize page's form (app/mock-provider/authorize): Approve, Deny or Cancel, for a signed
 * request checked again here. Same-origin form posts only. Approve and Deny both come back with
 * a code (the signed result says which); Cancel comes back with error=access_denied.
 */
async function decision(db: DbOrTx, req: Request): Promise<Response> {
  const origin = req.headers.get("origin");
  if (origin !== null && origin !== new URL(req.url).origin && origin !== getEnv().appUrl) return error(403, "forbidden", "cross-origin form");
  if (!(req.headers.get("content-type") ?? "").startsWith("application/x-www-form-urlencoded")) return error(415, "unsupported_media_type");
  const form = new URLSearchParams((await req.text()).slice(0, 16_384));
  const choice = form.get("decision");
  if (choice !== "approve" && choice !== "deny" && choice !== "cancel") return error(400, "invalid_request", "decision");
  const checked = await checkRequest(db, form.get("client_id"), form.get("request"));
  if (!checked.ok) return new Response(`${checked.reason}\n`, { status: 400, headers: { "content-type": "text/plain; charset=utf-8" } });
  const location =
    choice === "cancel" ? callbackUrl(checked.request, { error: "access_denied" }) : await decide(db, checked.request, choice === "approve" ? "approved" : "denied");
  return new Response(null, { status: 303, headers: { location, "cache-control": "no-store" } });
}
