import "server-only";
import { asc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import { MAX_REMEMBER_DEVICE_DAYS } from "@/lib/auth/remembered-devices";
import { formatMinor, parseAmountMinor } from "@/lib/bank/money";
import { rows, type DbOrTx, type Tx } from "@/lib/db";
import { groups, settings, type Settings } from "@/lib/db/schema";
import { audit } from "@/lib/audit";
import { isExternalFactorId } from "@/lib/mfa/factors/external";
import { CAPABILITIES, type Capability } from "@/lib/mfa/provider/contract";
import { allFactors, getFactor } from "@/lib/mfa/registry";
import { actorFields, type Actor } from "./reset";
import { secondsAsMs } from "./units";

/**
 * The policy an administrator may change: the settings row and the groups' MFA profiles
 * (Q2's MFA group profiles). Every field is validated with a message a person can act on;
 * every change is one audit event with the old and the new value.
 *
 * The settings row: lockout, backoff, step-up amounts, the MFA token lifetime, the push timeout
 * and the delivery-target types an external provider may use per workflow (Q2's
 * LogonTacAllow…/EdvTacAllow…Targets; enforced by the external factor's `allowedIn`, which
 * `usableFactors` asks both when a method is offered and when it is answered). The providers'
 * own configuration (enabled, base URL, timeout, credentials) is in ./providers.ts.
 */

export function wholeNumber(label: string, min: number, max: number, unit = "") {
  const msg = `${label}: enter a whole number from ${min} to ${max}${unit}.`;
  return z
    .string({ error: msg })
    .trim()
    .regex(/^[0-9]{1,9}$/, msg)
    .transform(Number)
    .pipe(z.number().int().min(min, msg).max(max, msg));
}

/**
 * A duration typed in seconds and stored in milliseconds (lib/admin/units.ts): the form shows
 * one unit, named in its label; the database keeps its own.
 */
export function secondsToMs(label: string, maxSeconds: number, minSeconds = 0) {
  const msg = `${label}: enter a number of seconds from ${minSeconds} to ${maxSeconds}, like 1 or 0.5 (at most 3 decimals).`;
  return z
    .string({ error: msg })
    .max(32, msg)
    .transform((v, ctx) => {
      const ms = secondsAsMs(v);
      if (ms === null || ms > maxSeconds * 1000 || ms < minSeconds * 1000) {
        ctx.addIssue({ code: "custom", message: msg });
        return z.NEVER;
      }
      return ms;
    });
}

function amount(label: string) {
  const msg = `${label}: enter an amount like 1000.00 (digits, at most 2 decimals).`;
  return z
    .string({ error: msg })
    .max(32, msg)
    .transform((v, ctx) => {
      const minor = parseAmountMinor(v);
      if (minor === null) {
        ctx.addIssue({ code: "custom", message: msg });
        return z.NEVER;
      }
      return minor;
    });
}

/** The delivery-target types, in the order forms and stored lists use. */
export const TARGET_TYPES = CAPABILITIES;
export const TARGET_TYPE_LABELS: Record<Capability, string> = {
  mobile_push: "Push notification",
  sms_otp: "Text message (SMS)",
  voice_otp: "Voice call",
  email_otp: "E-mail code",
};
export type TargetWorkflow = "signInTargetTypes" | "stepUpTargetTypes";
/** Checkbox field names: "signInTargetTypes.sms_otp" — one field per type, never repeated. */
export const targetField = (list: TargetWorkflow, type: string) => `${list}.${type}`;

const checkbox = z.literal("on", { error: "Invalid checkbox value." }).optional();

const targetShape = Object.fromEntries(
  (["signInTargetTypes", "stepUpTargetTypes"] as const).flatMap((list) => TARGET_TYPES.map((t) => [targetField(list, t), checkbox])),
) as Record<string, typeof checkbox>;

const chosenTargets = (o: Record<string, unknown>, list: TargetWorkflow): Capability[] => TARGET_TYPES.filter((t) => o[targetField(list, t)] === "on");

/**
 * An empty list is refused: customers whose only methods are at a provider could not sign in
 * (or authorise a payment) at all. Switching a provider off is its own, deliberate setting.
 */
const EMPTY_TARGETS = "Pick at least one type. To stop using a provider altogether, disable it under Providers.";

// Ranges match the CHECK constraints of the settings table (lib/db/schema.ts). A loose object:
// an unknown "signInTargetTypes.x" field is refused by name below instead of silently dropped.
export const settingsSchema = z
  .looseObject({
    lockoutThreshold: wholeNumber("Lockout threshold", 1, 100, " attempts"),
    lockoutDurationMinutes: wholeNumber("Lock duration", 0, 525_600, " minutes (0 = until an administrator unlocks)"),
    // Typed in seconds, parsed to the row's milliseconds (0–300000 and 0–3600000 ms).
    backoffBaseSeconds: secondsToMs("Backoff base", 300),
    backoffMaxSeconds: secondsToMs("Backoff cap", 3600),
    mfaTokenLifetimeMinutes: wholeNumber("MFA token lifetime", 1, 60, " minutes"),
    stepUpAmountMinor: amount("Step-up amount"),
    blockAmountMinor: amount("Block amount"),
    newPayeeHours: wholeNumber("New payee window", 0, 8760, " hours"),
    pushTimeoutSeconds: wholeNumber("Push timeout", 5, 600, " seconds"),
    ...targetShape,
  })
  .refine((s) => s.backoffMaxSeconds >= s.backoffBaseSeconds, { path: ["backoffMaxSeconds"], message: "The backoff cap must be at least the backoff base." })
  .refine((s) => s.blockAmountMinor > s.stepUpAmountMinor, {
    path: ["blockAmountMinor"],
    message: "The block amount must be above the step-up amount (otherwise no transfer could ask for MFA).",
  })
  .superRefine((o, ctx) => {
    for (const list of ["signInTargetTypes", "stepUpTargetTypes"] as const) {
      const unknown = Object.keys(o).filter((k) => k.startsWith(`${list}.`) && !(k in targetShape));
      if (unknown.length) {
        ctx.addIssue({
          code: "custom",
          path: [list],
          message: `Unknown delivery-target type: ${unknown.map((k) => k.slice(list.length + 1).slice(0, 32)).join(", ")}. Known: ${TARGET_TYPES.join(", ")}.`,
        });
      } else if (!chosenTargets(o, list).length) {
        ctx.addIssue({ code: "custom", path: [list], message: EMPTY_TARGETS });
      }
    }
  });

export type SettingsForm = z.infer<typeof settingsSchema>;

/** The parsed form as the settings row stores it (checkboxes → lists in TARGET_TYPES order). */
export function toSettings(o: SettingsForm) {
  return {
    lockoutThreshold: o.lockoutThreshold,
    lockoutDurationMinutes: o.lockoutDurationMinutes,
    backoffBaseMs: o.backoffBaseSeconds, // already milliseconds: secondsToMs
    backoffMaxMs: o.backoffMaxSeconds,
    mfaTokenLifetimeMinutes: o.mfaTokenLifetimeMinutes,
    stepUpAmountMinor: o.stepUpAmountMinor,
    blockAmountMinor: o.blockAmountMinor,
    newPayeeHours: o.newPayeeHours,
    pushTimeoutSeconds: o.pushTimeoutSeconds,
    signInTargetTypes: chosenTargets(o, "signInTargetTypes"),
    stepUpTargetTypes: chosenTargets(o, "stepUpTargetTypes"),
  };
}

export type SettingsInput = ReturnType<typeof toSettings>;
export type SettingsKey = keyof SettingsInput;

export const SETTINGS_KEYS = [
  "lockoutThreshold",
  "lockoutDurationMinutes",
  "backoffBaseMs",
  "backoffMaxMs",
  "mfaTokenLifetimeMinutes",
  "stepUpAmountMinor",
  "blockAmountMinor",
  "newPayeeHours",
  "pushTimeoutSeconds",
  "signInTargetTypes",
  "stepUpTargetTypes",
] as const satisfies readonly SettingsKey[];

export const SETTINGS_LABELS: Record<SettingsKey, string> = {
  lockoutThreshold: "Lockout threshold",
  lockoutDurationMinutes: "Lock duration",
  backoffBaseMs: "Backoff base",
  backoffMaxMs: "Backoff cap",
  mfaTokenLifetimeMinutes: "MFA token lifetime",
  stepUpAmountMinor: "Step-up amount",
  blockAmountMinor: "Block amount",
  newPayeeHours: "New payee window",
  pushTimeoutSeconds: "Push timeout",
  signInTargetTypes: "Sign-in delivery targets",
  stepUpTargetTypes: "Transaction delivery targets",
};

export function describeSetting(key: SettingsKey, value: number | string[]): string {
  if (Array.isArray(value)) return value.join(", ") || "none";
  return key === "stepUpAmountMinor" || key === "blockAmountMinor" ? formatMinor(value) : String(value);
}

export type Change = { field: string; old: unknown; new: unknown };

/** Lists compare as sets: the order of the checkboxes carries no meaning. */
function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x) => b.includes(x));
  return a === b;
}

export function settingsChanges(current: Settings, next: SettingsInput): Change[] {
  return SETTINGS_KEYS.filter((k) => !sameValue(current[k], next[k])).map((k) => ({ field: k, old: current[k], new: next[k] }));
}

/** Applies the new values under the settings row lock; one audit event per changed field. */
export async function updateSettingsIn(tx: Tx, next: SettingsInput, actor: Actor): Promise<Change[]> {
  const [current] = await tx.select().from(settings).where(eq(settings.id, 1)).for("update");
  if (!current) throw new Error("settings row missing");
  const changes = settingsChanges(current, next);
  if (!changes.length) return [];
  await tx
    .update(settings)
    .set({ ...next, updatedAt: sql`app_now()` })
    .where(eq(settings.id, 1));
  for (const c of changes) {
    await audit(tx, {
      action: "settings.changed",
      outcome: "ok",
      ...actorFields(actor),
      details: { field: c.field, old: c.old, new: c.new },
    });
  }
  return changes;
}

// ─── Group MFA profiles ────────────────────────────────────────────────────────────────

export type GroupProfile = {
  id: string;
  name: string;
  mfaRequired: boolean;
  selfUnlock: boolean;
  phishingResistantOnly: boolean;
  rememberDeviceDays: number;
  signInFactors: string[];
  stepUpFactors: string[];
};

export async function listGroupProfiles(db: DbOrTx): Promise<GroupProfile[]> {
  return db
    .select({
      id: groups.id,
      name: groups.name,
      mfaRequired: groups.mfaRequired,
      selfUnlock: groups.selfUnlock,
      phishingResistantOnly: groups.phishingResistantOnly,
      rememberDeviceDays: groups.rememberDeviceDays,
      signInFactors: groups.signInFactors,
      stepUpFactors: groups.stepUpFactors,
    })
    .from(groups)
    .orderBy(asc(groups.name));
}

/** Checkbox field names: "signIn.totp", "stepUp.recovery" — one field per factor, never repeated. */
export const factorField = (workflow: "signIn" | "stepUp", factorId: string) => `${workflow}.${factorId}`;

/** Built from the factor registry, so a new factor plugin appears here by itself. */
export function groupProfileSchema() {
  const factorIds = allFactors().map((f) => f.id);
  const primary = new Set(allFactors().filter((f) => f.primary).map((f) => f.id));
  const shape: Record<string, z.ZodOptional<z.ZodLiteral<"on">>> = {};
  for (const id of factorIds) {
    shape[factorField("signIn", id)] = checkbox;
    shape[factorField("stepUp", id)] = checkbox;
  }
  const chosen = (o: Record<string, unknown>, w: "signIn" | "stepUp") => factorIds.filter((id) => o[factorField(w, id)] === "on");
  return z
    .object({
      groupId: z.string().min(1).max(64),
      mfaRequired: checkbox,
      selfUnlock: checkbox,
      phishingResistantOnly: checkbox,
      rememberDeviceDays: z
        .string()
        .trim()
        .regex(/^\d{1,2}$/, `Enter a whole number of days from 0 (off) to ${MAX_REMEMBER_DEVICE_DAYS}.`)
        .refine((v) => Number(v) <= MAX_REMEMBER_DEVICE_DAYS, `Enter a whole number of days from 0 (off) to ${MAX_REMEMBER_DEVICE_DAYS}.`),
      ...shape,
    })
    .refine((o) => !o.phishingResistantOnly || chosen(o, "signIn").some((id) => getFactor(id)?.phishingResistant), {
      path: ["signInFactors"],
      message: "Phishing-resistant only needs a phishing-resistant factor for sign-in: tick Passkey.",
    })
    .refine((o) => chosen(o, "signIn").some((id) => primary.has(id)), {
      path: ["signInFactors"],
      message: "Pick at least one factor that works on its own (recovery codes only back another factor up).",
    })
    .refine((o) => chosen(o, "stepUp").some((id) => primary.has(id)), {
      path: ["stepUpFactors"],
      message: "Pick at least one factor that works on its own (recovery codes only back another factor up).",
    });
}

export type GroupProfileInput = Omit<GroupProfile, "id" | "name"> & { groupId: string };

/** Parsed form → profile; factor order follows the registry. */
export function toGroupProfile(o: Record<string, unknown>): GroupProfileInput {
  const ids = allFactors().map((f) => f.id);
  return {
    groupId: String(o.groupId),
    mfaRequired: o.mfaRequired === "on",
    selfUnlock: o.selfUnlock === "on",
    phishingResistantOnly: o.phishingResistantOnly === "on",
    rememberDeviceDays: Number(o.rememberDeviceDays ?? 0),
    signInFactors: ids.filter((id) => o[factorField("signIn", id)] === "on"),
    stepUpFactors: ids.filter((id) => o[factorField("stepUp", id)] === "on"),
  };
}

/**
 * The form edits the built-in factors only; external provider factors ("prefix:capability")
 * in a group's lists are kept as they are, so saving the form never silently drops them.
 */
export function keepExternalFactors(current: GroupProfile, next: GroupProfileInput): GroupProfileInput {
  const external = (ids: string[]) => ids.filter(isExternalFactorId);
  return {
    ...next,
    signInFactors: [...external(current.signInFactors), ...next.signInFactors],
    stepUpFactors: [...external(current.stepUpFactors), ...next.stepUpFactors],
  };
}

export function groupProfileChanges(current: GroupProfile, nextFromForm: GroupProfileInput): Change[] {
  const next = keepExternalFactors(current, nextFromForm);
  const same = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x));
  const out: Change[] = [];
  if (current.mfaRequired !== next.mfaRequired) out.push({ field: "mfaRequired", old: current.mfaRequired, new: next.mfaRequired });
  if (current.selfUnlock !== next.selfUnlock) out.push({ field: "selfUnlock", old: current.selfUnlock, new: next.selfUnlock });
  if (current.phishingResistantOnly !== next.phishingResistantOnly) {
    out.push({ field: "phishingResistantOnly", old: current.phishingResistantOnly, new: next.phishingResistantOnly });
  }
  if (current.rememberDeviceDays !== next.rememberDeviceDays) out.push({ field: "rememberDeviceDays", old: current.rememberDeviceDays, new: next.rememberDeviceDays });
  if (!same(current.signInFactors, next.signInFactors)) out.push({ field: "signInFactors", old: current.signInFactors, new: next.signInFactors });
  if (!same(current.stepUpFactors, next.stepUpFactors)) out.push({ field: "stepUpFactors", old: current.stepUpFactors, new: next.stepUpFactors });
  return out;
}

export async function findGroupProfile(db: DbOrTx, id: string, lock = false): Promise<GroupProfile | null> {
  const [g] = await rows<GroupProfile>(
    db,
    sql`SELECT id, name, mfa_required AS "mfaRequired", self_unlock AS "selfUnlock", phishing_resistant_only AS "phishingResistantOnly",
               remember_device_days AS "rememberDeviceDays", sign_in_factors AS "signInFactors", step_up_factors AS "stepUpFactors"
          FROM groups WHERE id = ${id} ${lock ? sql`FOR UPDATE` : sql``}`,
  );
  if (!g) return null;
  const list = (v: unknown) => (typeof v === "string" ? (JSON.parse(v) as string[]) : (v as string[]));
  return { ...g, signInFactors: list(g.signInFactors), stepUpFactors: list(g.stepUpFactors) };
}

/** Null: no such group. Otherwise the applied changes (one audit event each). */
export async function updateGroupProfileIn(tx: Tx, fromForm: GroupProfileInput, actor: Actor): Promise<Change[] | null> {
  const current = await findGroupProfile(tx, fromForm.groupId, true);
  if (!current) return null;
  const next = keepExternalFactors(current, fromForm);
  const changes = groupProfileChanges(current, next);
  if (!changes.length) return [];
  await tx
    .update(groups)
    .set({
      mfaRequired: next.mfaRequired,
      selfUnlock: next.selfUnlock,
      phishingResistantOnly: next.phishingResistantOnly,
      rememberDeviceDays: next.rememberDeviceDays,
      signInFactors: next.signInFactors, stepUpFactors: next.stepUpFactors })
    .where(eq(groups.id, next.groupId));
  for (const c of changes) {
    await audit(tx, {
      action: "group.mfa_profile.changed",
      outcome: "ok",
      ...actorFields(actor),
      details: { group: next.groupId, field: c.field, old: c.old, new: c.new },
    });
  }
  return changes;
}
