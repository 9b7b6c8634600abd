import { z } from "zod";
import { CAPABILITIES, type Capability } from "./contract";

/**
 * A provider's resources (IBM Verify's real-time webhook "resources", docs/PROVIDER-CONTRACT.md
 * "Resources and transforms"). Each contract call is one resource: a suffix appended to the base
 * URL, a method, the statuses that count as an answer, and two optional CEL transforms. A stored
 * override replaces only the fields it sets; everything left blank is today's contract, so an
 * empty configuration is the identity.
 *
 * Capability-specific resources (`sms_otp_1`, `sms_otp_2` …) take the place of the generic
 * `initiate` / `validate` for that one capability, as IBM's `{capability}_1` / `_2` do.
 */

export const GENERIC_RESOURCES = ["enrollments", "initiate", "validate", "result", "cancel"] as const;
export type GenericResource = (typeof GENERIC_RESOURCES)[number];
export type CapabilityResource = `${Capability}_1` | `${Capability}_2`;
export type ResourceName = GenericResource | CapabilityResource;

export const CAPABILITY_RESOURCES = CAPABILITIES.flatMap((c) => [`${c}_1`, `${c}_2`] as const) as readonly CapabilityResource[];
export const RESOURCE_NAMES: readonly ResourceName[] = [...GENERIC_RESOURCES, ...CAPABILITY_RESOURCES];

/** The resources an administrator may configure for a provider with these capabilities. */
export function resourceNamesFor(capabilities: readonly string[]): ResourceName[] {
  return [...GENERIC_RESOURCES, ...CAPABILITY_RESOURCES.filter((r) => capabilities.includes(r.slice(0, -2)))];
}

export const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
export type Method = (typeof METHODS)[number];

export type ResourceDefault = { suffix: string; method: Method; expectedStatus: number[] };

/** Today's contract (docs/PROVIDER-CONTRACT.md "Resources"): what a blank field means. */
export const RESOURCE_DEFAULTS: Record<GenericResource, ResourceDefault> = {
  enrollments: { suffix: "/v1/enrollments", method: "GET", expectedStatus: [200] },
  initiate: { suffix: "/v1/mfa", method: "POST", expectedStatus: [201] },
  validate: { suffix: "/v1/mfa/validate", method: "POST", expectedStatus: [200] },
  result: { suffix: "/v1/mfa/transactions", method: "GET", expectedStatus: [200] },
  cancel: { suffix: "/v1/mfa/transactions", method: "POST", expectedStatus: [200] },
};

/** What a capability-specific resource stands in for. */
export function genericOf(name: ResourceName): GenericResource {
  if ((GENERIC_RESOURCES as readonly string[]).includes(name)) return name as GenericResource;
  return name.endsWith("_1") ? "initiate" : "validate";
}

export const SUFFIX_MAX = 256;
export const EXPRESSION_MAX = 4000;
export const STATUS_LIST_MAX = 5;

/** A suffix is a plain path: it starts with "/", no "." or ".." segments, no query, fragment, spaces or backslashes. */
export const suffixSchema = z
  .string()
  .max(SUFFIX_MAX, `at most ${SUFFIX_MAX} characters`)
  .regex(/^(\/[A-Za-z0-9_~!$&'()*+,;=:@%.-]*)+$/, 'a path like "/v2/challenges": starts with "/", no spaces, "?", "#" or "\\"')
  .refine((s) => !s.split("/").some((seg) => seg === "." || seg === ".." || /^(%2e|\.){1,2}$/i.test(seg)), 'no "." or ".." segments');

/** One resource's stored override: only what the administrator set. */
export const resourceOverrideSchema = z.strictObject({
  suffix: suffixSchema.optional(),
  method: z.enum(METHODS).optional(),
  expectedStatus: z.array(z.number().int().min(100).max(599)).min(1).max(STATUS_LIST_MAX).optional(),
  outgoing: z.string().min(1).max(EXPRESSION_MAX).optional(),
  incoming: z.string().min(1).max(EXPRESSION_MAX).optional(),
});
export type ResourceOverride = z.infer<typeof resourceOverrideSchema>;

/** The `mfa_providers.resources` column. Unknown resource names are refused. */
export const resourcesSchema = z.partialRecord(z.enum(RESOURCE_NAMES as [ResourceName, ...ResourceName[]]), resourceOverrideSchema);
export type Resources = z.infer<typeof resourcesSchema>;

/** A resource as the client calls it: the override's fields over the contract's defaults. */
export type ResolvedResource = ResourceDefault & {
  /** The resource whose configuration applies (for faults and audit): "sms_otp_2", "validate" … */
  name: ResourceName;
  outgoing?: string;
  incoming?: string;
};

export function isEmptyOverride(o: ResourceOverride | undefined): boolean {
  return !o || Object.values(o).every((v) => v === undefined);
}

/**
 * The resource a call uses: the capability-specific one when it is configured, else the generic
 * one; each field it leaves blank comes from the contract.
 */
export function resolveResource(resources: Resources, generic: GenericResource, capability?: Capability): ResolvedResource {
  const specific: CapabilityResource | null =
    capability && generic === "initiate" ? `${capability}_1` : capability && generic === "validate" ? `${capability}_2` : null;
  const name: ResourceName = specific && !isEmptyOverride(resources[specific]) ? specific : generic;
  const o = resources[name] ?? {};
  const d = RESOURCE_DEFAULTS[generic];
  return {
    name,
    suffix: o.suffix ?? d.suffix,
    method: o.method ?? d.method,
    expectedStatus: o.expectedStatus ?? d.expectedStatus,
    ...(o.outgoing ? { outgoing: o.outgoing } : {}),
    ...(o.incoming ? { incoming: o.incoming } : {}),
  };
}

/** A stored column that no longer parses serves nothing: every call is a provider fault. */
export function parseStoredResources(raw: unknown): Resources | null {
  const r = resourcesSchema.safeParse(raw ?? {});
  return r.success ? r.data : null;
}
