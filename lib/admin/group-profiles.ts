import "server-only";
import { asc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import { MAX_REMEMBER_DEVICE_DAYS } from "@/lib/auth/remembered-devices";
import { rows, type DbOrTx, type Tx } from "@/lib/db";
import { groups } from "@/lib/db/schema";
import { audit } from "@/lib/audit";
import { isExternalFactorId } from "@/lib/mfa/factors/external";
import { allFactors, getFactor } from "@/lib/mfa/registry";
import { checkbox, type Change } from "./form-fields";
import { actorFields, type Actor } from "./reset";

/**
 * The groups' MFA profiles (Q2's MFA group profiles) as the admin console edits them: whether
 * MFA is required, self-unlock, phishing-resistant only, remembered browsers, and which
 * factors serve sign-in and step-up. Every change is one audit event with the old and the new value.
 */

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
