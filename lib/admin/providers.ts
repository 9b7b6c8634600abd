import "server-only";
import { asc, eq } from "drizzle-orm";
import { z } from "zod";
import type { DbOrTx, Tx } from "@/lib/db";
import { mfaProviders } from "@/lib/db/schema";
import { audit } from "@/lib/mfa/audit";
import { mockProviderBaseUrl, sealClientSecret } from "@/lib/mfa/provider/config";
import { actorFields, type Actor } from "./reset";
import { secondsToMs, type Change } from "./settings";

/**
 * The external MFA providers' configuration as an administrator edits it (issue 8): enabled,
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
};

export async function listProviders(db: DbOrTx): Promise<ProviderView[]> {
  return db
    .select(PROVIDER_VIEW_COLUMNS)
    .from(mfaProviders)
    .orderBy(asc(mfaProviders.name));
}

export async function findProviderView(db: DbOrTx, id: string, lock = false): Promise<ProviderView | null> {
  const q = db
    .select(PROVIDER_VIEW_COLUMNS)
    .from(mfaProviders)
    .where(eq(mfaProviders.id, id));
  const [row] = lock ? await q.for("update") : await q;
  return row ?? null;
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
  current: Pick<ProviderView, "baseUrl" | "clientId">,
  next: Pick<ProviderInput, "baseUrl" | "clientId" | "clientSecret">,
  mockBaseUrl = mockProviderBaseUrl(),
): Record<string, string[]> | null {
  const from = originOf(effectiveBaseUrl(current.baseUrl, mockBaseUrl));
  const to = originOf(effectiveBaseUrl(next.baseUrl, mockBaseUrl));
  const errors: Record<string, string[]> = {};
  if (from !== to) {
    const msg = `The base URL moves to another host (${to}): enter the client ID and client secret that host issued. The current secret is never sent to a new host.`;
    if (!next.clientId) errors.clientId = [msg];
    if (!next.clientSecret) errors.clientSecret = [msg];
  } else if (next.clientId && next.clientId !== current.clientId && !next.clientSecret) {
    errors.clientSecret = ["A new client ID needs its client secret: enter it too."];
  }
  return Object.keys(errors).length ? errors : null;
}

const PROVIDER_LABELS: Record<string, string> = {
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
  };
}

export type ProviderUpdate = { ok: true; changes: Change[] } | { ok: false; message: string; fieldErrors?: Record<string, string[]> };

/** Under the provider row lock: re-checks the change rules, applies, one audit event per field. */
export async function updateProviderIn(tx: Tx, next: ProviderInput, actor: Actor): Promise<ProviderUpdate> {
  const current = await findProviderView(tx, next.providerId, true);
  if (!current) return { ok: false, message: "That provider does not exist." };
  const errors = providerChangeErrors(current, next);
  if (errors) return { ok: false, message: "Please check the highlighted fields.", fieldErrors: errors };
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
    })
    .where(eq(mfaProviders.id, current.id));
  for (const c of changes) {
    await audit(tx, {
      action: "provider.changed",
      outcome: "ok",
      ...actorFields(actor),
      details: { provider: current.credentialPrefix, field: c.field, old: c.old, new: c.new },
    });
  }
  return { ok: true, changes };
}
