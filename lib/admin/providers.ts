import "server-only";
import { asc, eq } from "drizzle-orm";
import { z } from "zod";
import type { DbOrTx, Tx } from "@/lib/db";
import { mfaProviders } from "@/lib/db/schema";
import { audit } from "@/lib/audit";
import { mergeOutgoing, type OutgoingRequest } from "@/lib/mfa/provider/client";
import { mockProviderBaseUrl, sealClientSecret } from "@/lib/mfa/provider/config";
import { enrollmentsResponseSchema, initiateResponseSchema, transactionResponseSchema } from "@/lib/mfa/provider/contract";
import {
  EXPRESSION_MAX,
  genericOf,
  isEmptyOverride,
  METHODS,
  parseStoredResources,
  RESOURCE_DEFAULTS,
  RESOURCE_NAMES,
  resourceOverrideSchema,
  STATUS_LIST_MAX,
  suffixSchema,
  type ResourceName,
  type ResourceOverride,
  type Resources,
} from "@/lib/mfa/provider/resources";
import { checkExpression, INPUT_MAX, runTransform, TransformError, VARIABLES, type Direction } from "@/lib/mfa/provider/transform";
import { actorFields, type Actor } from "./reset";
import { secondsToMs, type Change } from "./form-fields";
import { MESSAGES } from "@/lib/messages";

/**
 * The external MFA providers' configuration as an administrator edits it: enabled,
 * base URL (blank = this app's own mock), timeout and client credentials.
 *
 * The rule a security reviewer looks for: the stored client secret was issued by one host and
 * is only ever sent to that host. When the base URL moves to another origin, the admin must
 * enter the client id and secret that host issued — the old secret is never sent there. The
 * secret is sealed to the row (sealClientSecret), never read back to a page, never written to
 * the audit log (only "changed") and never logged.
 */

export const BASE_URL_MAX = 512;
const SECRET_MAX = 512;
const CLIENT_ID_MAX = 256;

/** What the admin page may see of a provider: no secret, sealed or not. */
export type ProviderView = {
  id: string;
  name: string;
  credentialPrefix: string;
  enabled: boolean;
  baseUrl: string | null;
  clientId: string;
  timeoutMs: number;
  capabilities: string[];
  /** The stored resource overrides as the form shows them; {} when none (or unreadable). */
  resources: Resources;
  /** Standard (the HTTP contract) or redirect (the provider's own page). */
  type: "standard" | "redirect";
  redirectIssuer: string | null;
  authorizeUrl: string | null;
  tokenUrl: string | null;
  jwksUrl: string | null;
  /** A pasted JWKS (public keys only), used instead of jwksUrl. */
  jwks: { keys: Record<string, unknown>[] } | null;
};

/** The columns of a ProviderView: the sealed client secret is never selected. */
const PROVIDER_VIEW_COLUMNS = {
  id: mfaProviders.id,
  name: mfaProviders.name,
  credentialPrefix: mfaProviders.credentialPrefix,
  enabled: mfaProviders.enabled,
  baseUrl: mfaProviders.baseUrl,
  clientId: mfaProviders.clientId,
  timeoutMs: mfaProviders.timeoutMs,
  capabilities: mfaProviders.capabilities,
  resources: mfaProviders.resources,
  type: mfaProviders.type,
  redirectIssuer: mfaProviders.redirectIssuer,
  authorizeUrl: mfaProviders.authorizeUrl,
  tokenUrl: mfaProviders.tokenUrl,
  jwksUrl: mfaProviders.jwksUrl,
  jwks: mfaProviders.jwks,
};

type ViewRow = Omit<ProviderView, "resources"> & { resources: unknown };
const toView = (r: ViewRow): ProviderView => ({ ...r, resources: parseStoredResources(r.resources) ?? {} });

export async function listProviders(db: DbOrTx): Promise<ProviderView[]> {
  const rows = await db
    .select(PROVIDER_VIEW_COLUMNS)
    .from(mfaProviders)
    .orderBy(asc(mfaProviders.name));
  return rows.map(toView);
}

export async function findProviderView(db: DbOrTx, id: string, lock = false): Promise<ProviderView | null> {
  const q = db
    .select(PROVIDER_VIEW_COLUMNS)
    .from(mfaProviders)
    .where(eq(mfaProviders.id, id));
  const [row] = lock ? await q.for("update") : await q;
  return row ? toView(row) : null;
}

const BASE_URL_MSG = `Base URL: enter an absolute http:// or https:// URL (at most ${BASE_URL_MAX} characters), or leave it blank for the in-app mock provider.`;

/**
 * Blank → null (the in-app mock). Otherwise an absolute http(s) URL without credentials, query
 * or fragment (the client appends "/oauth/token", "/v1/mfa" … to it), stored normalised
 * (lower-case scheme and host, no trailing slash).
 */
export const baseUrlSchema = z
  .string({ error: BASE_URL_MSG })
  .trim()
  .max(BASE_URL_MAX, `Base URL: at most ${BASE_URL_MAX} characters.`)
  .transform((v, ctx): string | null => {
    if (v === "") return null;
    const fail = (message: string) => {
      ctx.addIssue({ code: "custom", message });
      return z.NEVER;
    };
    if (/[\s\u0000-\u001f\u007f\\]/.test(v)) return fail("Base URL: no spaces, backslashes or control characters.");
    let url: URL;
    try {
      url = new URL(v);
    } catch {
      return fail(BASE_URL_MSG);
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") return fail(BASE_URL_MSG);
    if (!/^https?:\/\/[^/]/i.test(v) || !url.hostname) return fail(BASE_URL_MSG);
    const authority = v.slice(v.indexOf("//") + 2).split(/[/?#]/)[0]!;
    if (url.username || url.password || authority.includes("@")) {
      return fail("Base URL: no user name or password in the URL (user:pass@) — enter the client id and secret below.");
    }
    if (v.includes("#")) return fail("Base URL: no fragment (#…).");
    if (v.includes("?")) return fail("Base URL: no query string (?…): the app appends the API paths to it.");
    const normalised = url.href.replace(/\/+$/, "");
    if (normalised.length > BASE_URL_MAX) return fail(`Base URL: at most ${BASE_URL_MAX} characters.`);
    return normalised;
  });

const checkbox = z.literal("on", { error: "Invalid checkbox value." }).optional();

/**
 * A redirect endpoint: blank → null (the in-app mock's), else an absolute http(s)
 * URL without credentials or fragment, at most BASE_URL_MAX characters, stored normalised.
 */
export function endpointUrlSchema(label: string) {
  const msg = `${label}: enter an absolute http:// or https:// URL (at most ${BASE_URL_MAX} characters), or leave it blank for the in-app mock provider.`;
  return z
    .string({ error: msg })
    .trim()
    .max(BASE_URL_MAX, `${label}: at most ${BASE_URL_MAX} characters.`)
    .transform((v, ctx): string | null => {
      if (v === "") return null;
      const fail = (message: string) => {
        ctx.addIssue({ code: "custom", message });
        return z.NEVER;
      };
      if (/[\s\u0000-\u001f\u007f\\]/.test(v)) return fail(`${label}: no spaces, backslashes or control characters.`);
      let url: URL;
      try {
        url = new URL(v);
      } catch {
        return fail(msg);
      }
      if ((url.protocol !== "https:" && url.protocol !== "http:") || !/^https?:\/\/[^/]/i.test(v) || !url.hostname) return fail(msg);
      if (url.username || url.password || v.slice(v.indexOf("//") + 2).split(/[/?#]/)[0]!.includes("@")) return fail(`${label}: no user name or password in the URL.`);
      if (v.includes("#")) return fail(`${label}: no fragment (#…).`);
      return url.href.length > BASE_URL_MAX ? fail(`${label}: at most ${BASE_URL_MAX} characters.`) : url.href;
    });
}

export const JWKS_MAX = 20_000;
const PRIVATE_JWK_PARAMS = ["d", "p", "q", "dp", "dq", "qi", "k", "oth", "priv"];

/** A pasted JWKS: blank → null; else JSON {"keys":[…]} of 1–10 public signing keys, each with a kid. */
export const pastedJwksSchema = z
  .string()
  .max(JWKS_MAX, `JWKS: at most ${JWKS_MAX} characters.`)
  .optional()
  .transform((v, ctx): { keys: Record<string, unknown>[] } | null => {
    const text = (v ?? "").trim();
    if (text === "") return null;
    const fail = (message: string) => {
      ctx.addIssue({ code: "custom", message });
      return z.NEVER;
    };
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return fail('JWKS: paste the provider\'s JSON Web Key Set, like {"keys":[{"kty":"EC",…}]}.');
    }
    const keys = (parsed as { keys?: unknown })?.keys;
    if (!Array.isArray(keys) || keys.length < 1 || keys.length > 10) return fail("JWKS: it needs a \"keys\" list of 1 to 10 keys.");
    for (const k of keys) {
      if (!k || typeof k !== "object" || Array.isArray(k)) return fail("JWKS: every key is a JSON object.");
      const key = k as Record<string, unknown>;
      if (key.kty !== "EC" && key.kty !== "RSA" && key.kty !== "OKP") return fail("JWKS: only EC, RSA or OKP signing keys.");
      if (typeof key.kid !== "string" || !key.kid || key.kid.length > 128) return fail("JWKS: every key needs a kid (key id).");
      if (PRIVATE_JWK_PARAMS.some((p) => p in key)) return fail("JWKS: paste public keys only — this one holds a private key. Ask the provider for its public JWKS.");
    }
    return { keys: keys as Record<string, unknown>[] };
  });

export const providerSchema = z.object({
  providerId: z.uuid({ error: "Unknown provider." }),
  enabled: checkbox,
  baseUrl: baseUrlSchema,
  // The form's field is in seconds (its unit named in the label); parsed, the value is the
  // row's milliseconds (100–30000): read it as a number of ms everywhere below.
  timeoutSeconds: secondsToMs("Timeout", 30, 0.1),
  clientId: z
    .string()
    .trim()
    .max(CLIENT_ID_MAX, `Client ID: at most ${CLIENT_ID_MAX} characters.`)
    .regex(/^[\x21-\x7e]*$/, "Client ID: printable characters only, no spaces.")
    .optional()
    .transform((v) => v || undefined),
  // Not trimmed: a secret is used exactly as issued. Blank = keep the stored one.
  clientSecret: z
    .string()
    .max(SECRET_MAX, `Client secret: at most ${SECRET_MAX} characters.`)
    .regex(/^[^\u0000-\u001f\u007f]*$/, "Client secret: no control characters.")
    .optional()
    .transform((v) => v || undefined),
  type: z.enum(["standard", "redirect"], { error: "Type: choose standard or redirect." }).default("standard"),
  redirectIssuer: z
    .string()
    .trim()
    .max(BASE_URL_MAX, `Issuer: at most ${BASE_URL_MAX} characters.`)
    .regex(/^[\x21-\x7e]*$/, "Issuer: printable characters only, no spaces.")
    .optional()
    .transform((v) => v || null),
  authorizeUrl: endpointUrlSchema("Authorize URL").optional().transform((v) => v ?? null),
  tokenUrl: endpointUrlSchema("Token URL").optional().transform((v) => v ?? null),
  jwksUrl: endpointUrlSchema("JWKS URL").optional().transform((v) => v ?? null),
  jwks: pastedJwksSchema,
  });

export type ProviderInput = z.infer<typeof providerSchema>;

/** Where the provider's requests really go: the stored base URL, or this app's own mock. */
export function effectiveBaseUrl(baseUrl: string | null, mockBaseUrl = mockProviderBaseUrl()): string {
  return (baseUrl ?? mockBaseUrl).replace(/\/+$/, "");
}

/** A stored URL that no longer parses counts as an origin of its own: credentials must be re-entered. */
function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return `invalid:${url}`;
  }
}

/**
 * The change rules that need the stored row (zod has only the form): a new origin needs new
 * credentials, a new client id needs its secret. Field errors, or null when the change is fine.
 */
export function providerChangeErrors(
  current: Pick<ProviderView, "baseUrl" | "clientId"> & Partial<Pick<ProviderView, "tokenUrl">>,
  next: Pick<ProviderInput, "baseUrl" | "clientId" | "clientSecret"> & Partial<Pick<ProviderInput, "tokenUrl">>,
  mockBaseUrl = mockProviderBaseUrl(),
): Record<string, string[]> | null {
  const from = originOf(effectiveBaseUrl(current.baseUrl, mockBaseUrl));
  const to = originOf(effectiveBaseUrl(next.baseUrl, mockBaseUrl));
  // The redirect type sends the secret to its token URL: the same rule holds for it.
  const tokenFrom = originOf(current.tokenUrl ?? mockBaseUrl);
  const tokenTo = originOf(next.tokenUrl ?? mockBaseUrl);
  const errors: Record<string, string[]> = {};
  if (from !== to || tokenFrom !== tokenTo) {
    const host = from !== to ? to : tokenTo;
    const what = from !== to ? "base URL" : "token URL";
    const msg = `The ${what} moves to another host (${host}): enter the client ID and client secret that host issued. The current secret is never sent to a new host.`;
    if (!next.clientId) errors.clientId = [msg];
    if (!next.clientSecret) errors.clientSecret = [msg];
  } else if (next.clientId && next.clientId !== current.clientId && !next.clientSecret) {
    errors.clientSecret = ["A new client ID needs its client secret: enter it too."];
  }
  return Object.keys(errors).length ? errors : null;
}

const PROVIDER_LABELS: Record<string, string> = {
  type: "type",
  redirectIssuer: "issuer",
  authorizeUrl: "authorize URL",
  tokenUrl: "token URL",
  jwksUrl: "JWKS URL",
  jwks: "pasted JWKS",
  baseUrl: "base URL",
  timeoutMs: "timeout",
  clientId: "client ID",
  clientSecret: "client secret",
};

/** "disabled", "base URL", "client secret": what a change is called in messages and the MFA dialog. */
export function providerChangeLabel(c: Change): string {
  if (c.field === "enabled") return c.new ? "enabled" : "disabled";
  return PROVIDER_LABELS[c.field] ?? c.field;
}

/** The changes as the audit log records them: old/new values, the secret only as "changed". */
export function providerChanges(current: ProviderView, next: ProviderInput): Change[] {
  const out: Change[] = [];
  const enabled = next.enabled === "on";
  if (current.enabled !== enabled) out.push({ field: "enabled", old: current.enabled, new: enabled });
  if (current.baseUrl !== next.baseUrl) out.push({ field: "baseUrl", old: current.baseUrl, new: next.baseUrl });
  if (current.timeoutMs !== next.timeoutSeconds) out.push({ field: "timeoutMs", old: current.timeoutMs, new: next.timeoutSeconds });
  if (next.clientId && next.clientId !== current.clientId) out.push({ field: "clientId", old: current.clientId, new: next.clientId });
  if (next.clientSecret) out.push({ field: "clientSecret", old: "(hidden)", new: "changed" });
  for (const f of ["type", "redirectIssuer", "authorizeUrl", "tokenUrl", "jwksUrl"] as const) {
    if ((current[f] ?? null) !== (next[f] ?? null)) out.push({ field: f, old: current[f] ?? null, new: next[f] ?? null });
  }
  const kids = (j: ProviderView["jwks"]) => (j ? j.keys.map((k) => String(k.kid)).join(", ") : null);
  if (JSON.stringify(current.jwks ?? null) !== JSON.stringify(next.jwks ?? null)) out.push({ field: "jwks", old: kids(current.jwks), new: kids(next.jwks) });
  return out;
}

/** What the step-up audit rows and the grant's description may carry: never the secret. */
export function providerAuditDetails(input: ProviderInput): Record<string, unknown> {
  return {
    providerId: input.providerId,
    enabled: input.enabled === "on",
    baseUrl: input.baseUrl,
    timeoutMs: input.timeoutSeconds, // ms
    ...(input.clientId ? { clientId: input.clientId } : {}),
    clientSecret: input.clientSecret ? "changed" : "unchanged",
    type: input.type,
    redirectIssuer: input.redirectIssuer,
    authorizeUrl: input.authorizeUrl,
    tokenUrl: input.tokenUrl,
    jwksUrl: input.jwksUrl,
    jwks: input.jwks,
  };
}

export type ProviderUpdate = { ok: true; changes: Change[] } | { ok: false; message: string; fieldErrors?: Record<string, string[]> };

/** One `provider.changed` audit event per changed field or resource, in the change's transaction. */
async function auditProviderChanges(tx: Tx, actor: Actor, provider: string, changes: Change[]): Promise<void> {
  for (const c of changes) {
    await audit(tx, { action: "provider.changed", outcome: "ok", ...actorFields(actor), details: { provider, field: c.field, old: c.old, new: c.new } });
  }
}

/** Under the provider row lock: re-checks the change rules, applies, one audit event per field. */
export async function updateProviderIn(tx: Tx, next: ProviderInput, actor: Actor): Promise<ProviderUpdate> {
  const current = await findProviderView(tx, next.providerId, true);
  if (!current) return { ok: false, message: "That provider does not exist." };
  const errors = providerChangeErrors(current, next);
  if (errors) return { ok: false, message: MESSAGES.checkFields, fieldErrors: errors };
  const changes = providerChanges(current, next);
  if (!changes.length) return { ok: true, changes };
  await tx
    .update(mfaProviders)
    .set({
      enabled: next.enabled === "on",
      baseUrl: next.baseUrl,
      timeoutMs: next.timeoutSeconds, // ms
      ...(next.clientId ? { clientId: next.clientId } : {}),
      ...(next.clientSecret ? { clientSecretEnc: sealClientSecret(current.id, next.clientSecret) } : {}),
      type: next.type,
      redirectIssuer: next.redirectIssuer,
      authorizeUrl: next.authorizeUrl,
      tokenUrl: next.tokenUrl,
      jwksUrl: next.jwksUrl,
      jwks: next.jwks,
    })
    .where(eq(mfaProviders.id, current.id));
  await auditProviderChanges(tx, actor, current.credentialPrefix, changes);
  return { ok: true, changes };
}

// ─── Resources and transforms ──────────────────────────────────────────────

/**
 * The resources form: one flat field per resource and setting, `r.<resource>.<setting>`, e.g.
 * `r.sms_otp_2.incoming`. Blank = the contract's default. Every expression is compiled
 * (parsed and type-checked) here, so a save never stores one that cannot run; a compile error
 * is a field error under that expression.
 */
export const RESOURCE_SETTINGS = ["suffix", "method", "expectedStatus", "outgoing", "incoming"] as const;
export type ResourceSetting = (typeof RESOURCE_SETTINGS)[number];
export const resourceField = (name: ResourceName, setting: ResourceSetting) => `r.${name}.${setting}`;

const blankToUndefined = (v: string | undefined) => (v === undefined || v.trim() === "" ? undefined : v);

const resourceFieldSchemas: Record<ResourceSetting, z.ZodType<unknown, string | undefined>> = {
  suffix: z
    .string()
    .trim()
    .max(256, "Suffix: at most 256 characters.")
    .optional()
    .transform((v, ctx) => {
      const b = blankToUndefined(v);
      if (b === undefined) return undefined;
      const r = suffixSchema.safeParse(b);
      if (!r.success) {
        ctx.addIssue({ code: "custom", message: `Suffix: ${r.error.issues[0]!.message}.` });
        return z.NEVER;
      }
      return r.data;
    }) as z.ZodType<unknown, string | undefined>,
  method: z
    .union([z.literal(""), z.enum(METHODS)], { error: `Method: one of ${METHODS.join(", ")}, or blank for the default.` })
    .optional()
    .transform((v) => v || undefined) as z.ZodType<unknown, string | undefined>,
  expectedStatus: z
    .string()
    .max(40, "Expected status: at most 40 characters.")
    .optional()
    .transform((v, ctx) => {
      const b = blankToUndefined(v);
      if (b === undefined) return undefined;
      const parts = b.split(",").map((x) => x.trim());
      if (parts.length > STATUS_LIST_MAX || !parts.every((x) => /^[1-5][0-9]{2}$/.test(x))) {
        ctx.addIssue({ code: "custom", message: `Expected status: HTTP status codes 100–599, comma-separated, at most ${STATUS_LIST_MAX} (like "202" or "200, 202").` });
        return z.NEVER;
      }
      return [...new Set(parts.map(Number))];
    }) as z.ZodType<unknown, string | undefined>,
  outgoing: expressionSchema("outgoing"),
  incoming: expressionSchema("incoming"),
};

function expressionSchema(direction: Direction) {
  const label = direction === "outgoing" ? "Outgoing transform" : "Incoming transform";
  return z
    .string()
    .max(EXPRESSION_MAX, `${label}: at most ${EXPRESSION_MAX} characters.`)
    .optional()
    .transform((v, ctx) => {
      const b = blankToUndefined(v);
      if (b === undefined) return undefined;
      const problem = checkExpression(direction, b);
      if (problem) {
        ctx.addIssue({ code: "custom", message: `${label}: ${problem}.` });
        return z.NEVER;
      }
      return b.trim();
    }) as z.ZodType<unknown, string | undefined>;
}

export const providerResourcesSchema = z.object({
  providerId: z.uuid({ error: "Unknown provider." }),
  ...(Object.fromEntries(RESOURCE_NAMES.flatMap((n) => RESOURCE_SETTINGS.map((k) => [resourceField(n, k), resourceFieldSchemas[k]]))) as Record<
    string,
    z.ZodType<unknown, string | undefined>
  >),
});
export type ProviderResourcesForm = z.infer<typeof providerResourcesSchema>;

/** The parsed form's flat fields → the stored overrides (only resources with something set). */
export function resourcesOf(input: ProviderResourcesForm): Resources {
  const flat = input as Record<string, unknown>;
  const resources: Resources = {};
  for (const n of RESOURCE_NAMES) {
    const o: Record<string, unknown> = {};
    for (const k of RESOURCE_SETTINGS) if (flat[resourceField(n, k)] !== undefined) o[k] = flat[resourceField(n, k)];
    if (Object.keys(o).length) resources[n] = resourceOverrideSchema.parse(o);
  }
  return resources;
}

const same = (a: ResourceOverride | undefined, b: ResourceOverride | undefined) =>
  JSON.stringify(isEmptyOverride(a) ? {} : a) === JSON.stringify(isEmptyOverride(b) ? {} : b);

/** One change per resource whose override differs: old and new as stored (null = the default). */
export function resourceChanges(current: Resources, next: Resources): Change[] {
  return RESOURCE_NAMES.filter((n) => !same(current[n], next[n])).map((n) => ({
    field: `resources.${n}`,
    old: isEmptyOverride(current[n]) ? null : current[n]!,
    new: isEmptyOverride(next[n]) ? null : next[n]!,
  }));
}

/** "resources sms_otp_1, sms_otp_2": what the MFA dialog names. */
export function resourceChangeLabel(changes: Change[]): string {
  return `resources ${changes.map((c) => c.field.replace(/^resources\./, "")).join(", ")}`;
}

/** Under the provider row lock: applies the overrides, one audit event per changed resource. */
export async function updateProviderResourcesIn(tx: Tx, providerId: string, resources: Resources, actor: Actor): Promise<ProviderUpdate> {
  const current = await findProviderView(tx, providerId, true);
  if (!current) return { ok: false, message: "That provider does not exist." };
  const changes = resourceChanges(current.resources, resources);
  if (!changes.length) return { ok: true, changes };
  await tx.update(mfaProviders).set({ resources }).where(eq(mfaProviders.id, current.id));
  await auditProviderChanges(tx, actor, current.credentialPrefix, changes);
  return { ok: true, changes };
}

// ─── Try it: a transform on a sample, nothing stored ─────────────────────────────────

export const tryTransformSchema = z.object({
  resource: z.enum(RESOURCE_NAMES as [ResourceName, ...ResourceName[]], { error: "Choose a resource." }),
  direction: z.enum(["outgoing", "incoming"], { error: "Choose outgoing or incoming." }),
  expression: z
    .string({ error: "Enter an expression." })
    .max(EXPRESSION_MAX, `Expression: at most ${EXPRESSION_MAX} characters.`)
    .refine((v) => v.trim() !== "", "Enter an expression."),
  sample: z
    .string({ error: "Paste a sample." })
    .max(INPUT_MAX, `Sample: at most ${INPUT_MAX / 1024} KB.`)
    .transform((v, ctx) => {
      try {
        const parsed: unknown = JSON.parse(v.trim() === "" ? "{}" : v);
        if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
      } catch {
        // falls through to the message
      }
      ctx.addIssue({ code: "custom", message: "Sample: a JSON object of the variables, like {\"body\": {…}, \"status_code\": 202}." });
      return z.NEVER;
    }),
});
export type TryTransformInput = z.infer<typeof tryTransformSchema>;

/** What a sample leaves out: the bank's request of the resource, or an empty answer. */
function sampleDefaults(resource: ResourceName, direction: Direction): Record<string, unknown> {
  const d = RESOURCE_DEFAULTS[genericOf(resource)];
  if (direction === "outgoing") return { body: null, headers: { accept: "application/json" }, method: d.method, path: d.suffix, params: {} };
  return { body: null, headers: {}, status_code: d.expectedStatus[0], request: { method: d.method, path: d.suffix, headers: {}, body: null } };
}

const CONTRACT_SCHEMAS = {
  enrollments: enrollmentsResponseSchema,
  initiate: initiateResponseSchema,
  validate: transactionResponseSchema,
  result: transactionResponseSchema,
  cancel: transactionResponseSchema,
} as const;

export type TryTransformResult = { output: string; verdict: string; fits: boolean };

/**
 * Runs one transform on a pasted sample with the runtime's limits, and says whether the result
 * would be accepted: an outgoing result must be a request, an incoming one must match the
 * contract's response of that resource. Stores nothing, calls no provider.
 */
export function tryTransform(input: TryTransformInput): { ok: true; result: TryTransformResult } | { ok: false; fieldErrors: Record<string, string[]> } {
  const unknown = Object.keys(input.sample).filter((k) => !VARIABLES[input.direction].includes(k));
  if (unknown.length) {
    return { ok: false, fieldErrors: { sample: [`Sample: unknown variable ${unknown.slice(0, 3).join(", ")}; an ${input.direction} transform reads ${VARIABLES[input.direction].join(", ")}.`] } };
  }
  const problem = checkExpression(input.direction, input.expression);
  if (problem) return { ok: false, fieldErrors: { expression: [`Expression: ${problem}.`] } };
  const vars = { ...sampleDefaults(input.resource, input.direction), ...input.sample };
  let out: unknown;
  try {
    out = runTransform(input.direction, input.expression, vars);
  } catch (err) {
    if (!(err instanceof TransformError)) throw err;
    return { ok: true, result: { output: "", verdict: `At run time this is a provider fault (the customer is told to choose another method): the transform ${err.message}.`, fits: false } };
  }
  const output = JSON.stringify(out, null, 2);
  const generic = genericOf(input.resource);
  if (input.direction === "outgoing") {
    let sent: OutgoingRequest;
    try {
      const v = vars as { method: OutgoingRequest["method"]; path: string; headers: Record<string, string>; body: unknown };
      sent = mergeOutgoing(input.resource, { method: v.method, path: v.path, headers: v.headers, body: v.body }, out);
    } catch (err) {
      return { ok: true, result: { output, verdict: `Not a request the bank can send: ${(err as Error).message.replace(/^[^:]+: transform: outgoing transform: /, "")}.`, fits: false } };
    }
    return { ok: true, result: { output, verdict: `Would send ${sent.method} {base URL}${sent.path}.`, fits: true } };
  }
  const parsed = CONTRACT_SCHEMAS[generic].safeParse(out);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join(".") || "result"}: ${i.message}`).join("; ");
    return { ok: true, result: { output, verdict: `Does not match the contract's ${generic} response (${issues}): at run time, a provider fault.`, fits: false } };
  }
  return { ok: true, result: { output, verdict: `Matches the contract's ${generic} response.`, fits: true } };
}
