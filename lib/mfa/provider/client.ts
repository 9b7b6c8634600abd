import { z } from "zod";
import {
  enrollmentsResponseSchema,
  initiateResponseSchema,
  tokenResponseSchema,
  transactionResponseSchema,
  type Capability,
  type InitiateRequest,
} from "./contract";
import { resolveResource, type GenericResource, type Method, type ResolvedResource, type Resources } from "./resources";
import { runTransform, TransformError } from "./transform";

/**
 * The HTTP client of the external MFA contract. Every call has a timeout, only idempotent GETs
 * are retried, every response is parsed strictly, and every failure becomes a ProviderFault —
 * which the factor turns into "the verification service is unavailable" (no attempt counted).
 *
 * Each call is a resource of the provider's configuration (./resources.ts): its suffix, method
 * and expected statuses, and CEL transforms that map the bank's request to the provider's dialect
 * and the provider's answer back to the contract (./transform.ts), which zod then parses as
 * before. A transform that fails, times out or answers the wrong shape is a "transform" fault.
 */
export type ProviderEndpoint = {
  /** Cache key for the token (the provider row id). */
  id: string;
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
  /** The provider's resource overrides; {} = the contract as documented. null = stored config unreadable. */
  resources: Resources | null;
};

export type FaultKind = "network" | "timeout" | "status" | "malformed" | "auth" | "rate_limited" | "transform";

/** A response body larger than this is a fault, whatever the resource. */
export const RESPONSE_MAX = 64 * 1024;

export class ProviderFault extends Error {
  constructor(
    readonly kind: FaultKind,
    readonly resource: string,
    readonly detail: string,
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

async function readJson(resource: string, res: Response): Promise<unknown> {
  const buf = await res.arrayBuffer().catch(() => {
    throw new ProviderFault("network", resource, "the body could not be read", res.status);
  });
  if (buf.byteLength > RESPONSE_MAX) throw new ProviderFault("malformed", resource, `the body is larger than ${RESPONSE_MAX / 1024} KB`, res.status);
  const text = new TextDecoder().decode(buf);
  try {
    return JSON.parse(text);
  } catch {
    throw new ProviderFault("malformed", resource, "the body is not JSON", res.status);
  }
}

function check<S extends z.ZodType>(resource: string, body: unknown, schema: S, status?: number): z.infer<S> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new ProviderFault("malformed", resource, parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "), status);
  }
  return parsed.data;
}

async function parse<S extends z.ZodType>(resource: string, res: Response, schema: S): Promise<z.infer<S>> {
  return check(resource, await readJson(resource, res), schema, res.status);
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

/** The bank's side of a call, before the resource's outgoing transform. */
type BankRequest = {
  /** Appended to the resource's suffix: "?uniqueName=…", "/{transactionId}" … */
  tail: string;
  body?: unknown;
  /** The call's inputs, for transforms that build a path ("/people/" + urlEncode(params.uniqueName)). */
  params: Record<string, string>;
};

/** What is sent after the outgoing transform. */
export type OutgoingRequest = { method: Method; path: string; headers: Record<string, string>; body: unknown };

const FORBIDDEN_HEADERS = new Set(["authorization", "host", "content-length", "transfer-encoding", "connection", "cookie", "te", "upgrade", "expect"]);
const outgoingResultSchema = z.strictObject({
  method: z.enum(["GET", "POST", "PUT", "PATCH", "DELETE"]).optional(),
  path: z
    .string()
    .max(2048)
    .regex(/^\/[^\s\\#]*$/, 'a path starting with "/", without spaces, "\\" or "#"')
    .optional(),
  headers: z
    .record(
      z
        .string()
        .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/, "a header name")
        .refine((h) => !FORBIDDEN_HEADERS.has(h.toLowerCase()), "a header the bank sets itself"),
      z.string().max(1024).regex(/^[^\r\n\u0000]*$/, "no line breaks"),
    )
    .refine((h) => Object.keys(h).length <= 20, "at most 20 headers")
    .optional(),
  body: z.unknown().optional(),
});

/**
 * The outgoing transform: the bank's request as CEL sees it → what is sent. Without one, the
 * request is the contract's. The result may set method, path, headers and body; unset keys keep
 * the bank's value. The path stays under the base URL: the URL is always base URL + path.
 */
export function applyOutgoing(r: ResolvedResource, bank: BankRequest): OutgoingRequest {
  const request: OutgoingRequest = {
    method: r.method,
    path: `${r.suffix}${bank.tail}`,
    headers: { accept: "application/json", ...(bank.body !== undefined ? { "content-type": "application/json" } : {}) },
    body: bank.body ?? null,
  };
  if (!r.outgoing) return request;
  let out: unknown;
  try {
    out = runTransform("outgoing", r.outgoing, { ...request, params: bank.params });
  } catch (err) {
    if (err instanceof TransformError) throw new ProviderFault("transform", r.name, `outgoing transform ${err.message}`);
    throw err;
  }
  return mergeOutgoing(r.name, request, out);
}

/** An outgoing transform's result over the bank's request; a result that is not a request is a transform fault. */
export function mergeOutgoing(resource: string, request: OutgoingRequest, out: unknown): OutgoingRequest {
  const parsed = outgoingResultSchema.safeParse(out);
  if (!parsed.success) {
    throw new ProviderFault("transform", resource, `outgoing transform: not a request (${parsed.error.issues.map((i) => `${i.path.join(".") || "result"}: ${i.message}`).join("; ")})`);
  }
  const o = parsed.data;
  return {
    method: o.method ?? request.method,
    path: o.path ?? request.path,
    headers: o.headers ? Object.fromEntries(Object.entries(o.headers).map(([k, v]) => [k.toLowerCase(), v])) : request.headers,
    body: "body" in o ? (o.body ?? null) : request.body,
  };
}

/**
 * The incoming transform: the provider's answer (body, headers, status_code) and the request that
 * was sent (method, path, headers without the token, body, and the call's params) → the contract's body, which the caller then parses with zod. The expected status
 * was checked before.
 */
export function applyIncoming(
  r: ResolvedResource,
  sent: OutgoingRequest & { params: Record<string, string> },
  status: number,
  headers: Record<string, string>,
  body: unknown,
): unknown {
  if (!r.incoming) return body;
  try {
    return runTransform("incoming", r.incoming, { body, headers, status_code: status, request: sent });
  } catch (err) {
    if (err instanceof TransformError) throw new ProviderFault("transform", r.name, `incoming transform ${err.message}`, status);
    throw err;
  }
}

/**
 * The URL of a path under the base URL. A path that would leave it ("/../", "%2e%2e", which URL
 * parsing resolves) is a fault: a transform never sends the bearer token to another place.
 */
function urlOf(p: ProviderEndpoint, resource: string, path: string): string {
  const base = new URL(p.baseUrl);
  const url = new URL(`${p.baseUrl}${path}`);
  const basePath = base.pathname.replace(/\/+$/, "");
  if (url.origin !== base.origin || !(url.pathname === basePath || url.pathname.startsWith(`${basePath}/`))) {
    throw new ProviderFault("transform", resource, "the request path leaves the provider's base URL");
  }
  return url.href;
}

async function call<S extends z.ZodType>(p: ProviderEndpoint, generic: GenericResource, capability: Capability | undefined, bank: BankRequest, schema: S): Promise<z.infer<S>> {
  if (!p.resources) throw new ProviderFault("transform", generic, "the provider's resource configuration is unreadable");
  const r = resolveResource(p.resources, generic, capability);
  const sent = applyOutgoing(r, bank);
  const url = urlOf(p, r.name, sent.path);
  const attempts = sent.method === "GET" ? GET_ATTEMPTS : 1;
  let last: ProviderFault | undefined;
  for (let i = 0; i < attempts; i++) {
    try {
      const token = await getToken(p);
      const withBody = sent.method !== "GET" && sent.body !== null;
      const res = await send(
        r.name,
        url,
        {
          method: sent.method,
          headers: { ...sent.headers, authorization: `Bearer ${token}` },
          body: withBody ? JSON.stringify(sent.body) : undefined,
        },
        p.timeoutMs,
      );
      if (res.status === 401) {
        // The provider no longer accepts our token: drop it, so the next call gets a new one.
        tokens.delete(cacheKey(p));
        throw new ProviderFault("auth", r.name, "bearer token refused", 401);
      }
      if (res.status === 429) throw new ProviderFault("rate_limited", r.name, "too many requests", 429);
      if (!r.expectedStatus.includes(res.status)) {
        throw new ProviderFault("status", r.name, `HTTP ${res.status}, expected ${r.expectedStatus.join(" or ")}`, res.status);
      }
      const raw = await readJson(r.name, res);
      const body = applyIncoming(r, { ...sent, params: bank.params }, res.status, Object.fromEntries(res.headers), raw);
      return check(r.name, body, schema, res.status);
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
  return call(p, "enrollments", undefined, { tail: `?uniqueName=${encodeURIComponent(uniqueName)}`, params: { uniqueName } }, enrollmentsResponseSchema);
}

export function initiate(p: ProviderEndpoint, body: InitiateRequest) {
  const { uniqueName, capability, enrollmentId } = body;
  return call(p, "initiate", capability, { tail: "", body, params: { uniqueName, capability, enrollmentId } }, initiateResponseSchema);
}

/** What identifies a transaction to the resources that take one (params of their transforms). */
export type TxnRef = { transactionId: string; uniqueName: string; capability: Capability };

export function validate(p: ProviderEndpoint, txn: TxnRef, code: string) {
  return call(p, "validate", txn.capability, { tail: "", body: { transactionId: txn.transactionId, code }, params: { ...txn } }, transactionResponseSchema);
}

export function result(p: ProviderEndpoint, txn: TxnRef) {
  return call(p, "result", txn.capability, { tail: `/${encodeURIComponent(txn.transactionId)}`, params: { ...txn } }, transactionResponseSchema);
}

export function cancel(p: ProviderEndpoint, txn: TxnRef) {
  return call(p, "cancel", txn.capability, { tail: `/${encodeURIComponent(txn.transactionId)}/cancel`, params: { ...txn } }, transactionResponseSchema);
}
