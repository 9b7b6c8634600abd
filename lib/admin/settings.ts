import "server-only";
import { eq, sql } from "drizzle-orm";
import { z } from "zod";
import { formatMinor } from "@/lib/bank/money";
import type { Tx } from "@/lib/db";
import { settings, type Settings } from "@/lib/db/schema";
import { audit } from "@/lib/audit";
import { CAPABILITIES, type Capability } from "@/lib/mfa/provider/contract";
import { amount, checkbox, secondsToMs, wholeNumber, type Change } from "./form-fields";
import { actorFields, type Actor } from "./reset";

/**
 * The policy an administrator may change in the settings row: lockout, backoff, step-up
 * amounts, the MFA token lifetime, the push timeout and the delivery-target types an external
 * provider may use per workflow (Q2's LogonTacAllow…/EdvTacAllow…Targets; enforced by the
 * external factor's `allowedIn`, which `usableFactors` asks both when a method is offered and
 * when it is answered). Every field is validated with a message a person can act on; every
 * change is one audit event with the old and the new value. The groups' MFA profiles are in
 * ./group-profiles.ts, the providers' own configuration in ./providers.ts.
 */

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
