import type { z } from "zod";
import {
  enrollmentsResponseSchema,
  initiateResponseSchema,
  tokenResponseSchema,
  transactionResponseSchema,
  type InitiateRequest,
} from "./contract";

/**
 * The HTTP client of the external MFA contract. Every call has a timeout, only idempotent GETs
 * are retried, every response is parsed strictly, and every failure becomes a ProviderFault —
 * which the factor turns into "the verification service is unavailable" (no attempt counted).
 */
export type ProviderEndpoint = {
  /** Cache key for the token (the provider row id). */
  id: string;
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
};

export type FaultKind = "network" | "timeout" | "status" | "malformed" | "auth" | "rate_limited";

export class ProviderFault extends Error {
  constructor(
    readonly kind: FaultKind,
    readonly resource: string,
    detail: string,
    readonly httpStatus?: number,
  ) {
    super(`${resource}: ${kind}: ${detail}`);
    this.name = "ProviderFault";
  }
}

type CachedToken = { token: string; expiresAtMs: number };
const tokens = new Map<string, CachedToken>();
/** A token is renewed this long before the provider says it expires. */
const TOKEN_MARGIN_MS = 30_000;
const GET_ATTEMPTS = 2;

function cacheKey(p: ProviderEndpoint) {
  return `${p.id}|${p.baseUrl}|${p.clientId}`;
}

/** For tests: forget every cached token. */
export function clearTokenCache() {
  tokens.clear();
}

async function send(resource: string, url: string, init: RequestInit, timeoutMs: number): Promise<Response> {
  try {
    return await fetch(url, { ...init, redirect: "error", cache: "no-store", signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    const name = (err as Error)?.name;
    if (name === "TimeoutError" || name === "AbortError") throw new ProviderFault("timeout", resource, `no answer within ${timeoutMs} ms`);
    throw new ProviderFault("network", resource, (err as Error)?.message ?? String(err));
  }
}

async function parse<S extends z.ZodType>(resource: string, res: Response, schema: S): Promise<z.infer<S>> {
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    throw new ProviderFault("malformed", resource, "the body is not JSON", res.status);
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new ProviderFault("malformed", resource, parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "), res.status);
  }
  return parsed.data;
}

async function getToken(p: ProviderEndpoint): Promise<string> {
  const cached = tokens.get(cacheKey(p));
  if (cached && cached.expiresAtMs - TOKEN_MARGIN_MS > Date.now()) return cached.token;
  const res = await send(
    "token",
    `${p.baseUrl}/oauth/token`,
    {
      method: "POST",
      headers: {
        authorization: `Basic ${Buffer.from(`${encodeURIComponent(p.clientId)}:${encodeURIComponent(p.clientSecret)}`).toString("base64")}`,
        "content-type": "application/x-www-form-urlencoded",
        accept: "application/json",
      },
      body: "grant_type=client_credentials",
    },
    p.timeoutMs,
  );
  if (res.status === 401 || res.status === 400) throw new ProviderFault("auth", "token", "client credentials refused", res.status);
  if (res.status !== 200) throw new ProviderFault("status", "token", `HTTP ${res.status}`, res.status);
  const t = await parse("token", res, tokenResponseSchema);
  tokens.set(cacheKey(p), { token: t.access_token, expiresAtMs: Date.now() + t.expires_in * 1000 });
  return t.access_token;
}

async function call<S extends z.ZodType>(
  p: ProviderEndpoint,
  resource: string,
  req: { method: "GET" | "POST"; path: string; body?: unknown; expectedStatus: number },
  schema: S,
): Promise<z.infer<S>> {
  const attempts = req.method === "GET" ? GET_ATTEMPTS : 1;
  let last: ProviderFault | undefined;
  for (let i = 0; i < attempts; i++) {
    try {
      const token = await getToken(p);
      const res = await send(
        resource,
        `${p.baseUrl}${req.path}`,
        {
          method: req.method,
          headers: {
            authorization: `Bearer ${token}`,
            accept: "application/json",
            ...(req.body !== undefined ? { "content-type": "application/json" } : {}),
          },
          body: req.body !== undefined ? JSON.stringify(req.body) : undefined,
        },
        p.timeoutMs,
      );
      if (res.status === 401) {
        // The provider no longer accepts our token: drop it, so the next call gets a new one.
        tokens.delete(cacheKey(p));
        throw new ProviderFault("auth", resource, "bearer token refused", 401);
      }
      if (res.status === 429) throw new ProviderFault("rate_limited", resource, "too many requests", 429);
      if (res.status !== req.expectedStatus) throw new ProviderFault("status", resource, `HTTP ${res.status}, expected ${req.expectedStatus}`, res.status);
      return await parse(resource, res, schema);
    } catch (err) {
      if (!(err instanceof ProviderFault)) throw err;
      last = err;
      // Only transient faults of an idempotent GET are worth a second try.
      const transient = err.kind === "network" || err.kind === "timeout" || (err.kind === "status" && (err.httpStatus ?? 0) >= 500) || err.kind === "auth";
      if (!transient) break;
    }
  }
  throw last!;
}

export function enrollments(p: ProviderEndpoint, uniqueName: string) {
  return call(p, "enrollments", { method: "GET", path: `/v1/enrollments?uniqueName=${encodeURIComponent(uniqueName)}`, expectedStatus: 200 }, enrollmentsResponseSchema);
}

export function initiate(p: ProviderEndpoint, body: InitiateRequest) {
  return call(p, "initiate", { method: "POST", path: "/v1/mfa", body, expectedStatus: 201 }, initiateResponseSchema);
}

export function validate(p: ProviderEndpoint, transactionId: string, code: string) {
  return call(p, "validate", { method: "POST", path: "/v1/mfa/validate", body: { transactionId, code }, expectedStatus: 200 }, transactionResponseSchema);
}

export function result(p: ProviderEndpoint, transactionId: string) {
  return call(p, "result", { method: "GET", path: `/v1/mfa/transactions/${encodeURIComponent(transactionId)}`, expectedStatus: 200 }, transactionResponseSchema);
}

export function cancel(p: ProviderEndpoint, transactionId: string) {
  return call(p, "cancel", { method: "POST", path: `/v1/mfa/transactions/${encodeURIComponent(transactionId)}/cancel`, expectedStatus: 200 }, transactionResponseSchema);
}
