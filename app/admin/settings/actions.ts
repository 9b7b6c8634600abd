"use server";

import type { ActionState } from "@/lib/actions/state";
import { clientIp } from "@/lib/auth/current";
import { findGroupProfile, groupProfileChanges, groupProfileSchema, toGroupProfile, updateGroupProfileIn } from "@/lib/admin/group-profiles";
import { settingsChanges, SETTINGS_LABELS, settingsSchema, toSettings, updateSettingsIn, type SettingsKey } from "@/lib/admin/settings";
import {
  findProviderView,
  providerAuditDetails,
  providerChangeErrors,
  providerChanges,
  providerChangeLabel,
  providerResourcesSchema,
  providerSchema,
  resourceChangeLabel,
  resourceChanges,
  resourcesOf,
  tryTransform,
  tryTransformSchema,
  updateProviderIn,
  updateProviderResourcesIn,
  type TryTransformResult,
} from "@/lib/admin/providers";
import { adminAction } from "@/lib/actions/guard";
import { adminStepUpAction, Refusal } from "@/lib/mfa/step-up";
import { MESSAGES } from "@/lib/messages";

/**
 * Policy changes are admin step-up actions: a fresh MFA bound to exactly the values shown.
 * Saving unchanged values needs no MFA and changes nothing.
 */

export const updateSettings = adminStepUpAction(
  {
    action: "admin.settings",
    schema: settingsSchema,
    risk: (input, { settings }) =>
      settingsChanges(settings, toSettings(input)).length ? { decision: "mfa", reason: "security policy change" } : { decision: "allow" },
    describe: (input, { settings }) =>
      `Change ${settingsChanges(settings, toSettings(input))
        .map((c) => SETTINGS_LABELS[c.field as SettingsKey].toLowerCase())
        .join(", ")}`,
    auditDetails: (i) => ({ ...toSettings(i) }),
    revalidate: () => ["/admin/settings"],
  },
  async (input, { tx, session }) => {
    const changes = await updateSettingsIn(tx, toSettings(input), { userId: session.userId, label: session.username, sessionId: session.id, ip: await clientIp() });
    if (!changes.length) return { status: "ok", message: "Nothing to save: the values are unchanged." };
    return { status: "ok", message: `Saved: ${changes.map((c) => SETTINGS_LABELS[c.field as SettingsKey]).join(", ")}.` };
  },
);

export const updateGroupProfile = adminStepUpAction(
  {
    action: "admin.group_profile",
    schema: groupProfileSchema(),
    risk: async (input, { tx }) => {
      const current = await findGroupProfile(tx, input.groupId);
      if (!current) return { decision: "block", message: "That group does not exist." };
      return groupProfileChanges(current, toGroupProfile(input)).length ? { decision: "mfa", reason: "MFA profile change" } : { decision: "allow" };
    },
    describe: async (input, { tx }) => `Change the MFA profile of ${(await findGroupProfile(tx, input.groupId))?.name ?? input.groupId}`,
    auditDetails: (i) => ({ ...toGroupProfile(i) }),
    revalidate: () => ["/admin/settings"],
  },
  async (input, { tx, session }) => {
    const changes = await updateGroupProfileIn(tx, toGroupProfile(input), {
      userId: session.userId,
      label: session.username,
      sessionId: session.id,
      ip: await clientIp(),
    });
    if (changes === null) throw new Refusal("That group does not exist.");
    if (!changes.length) return { status: "ok", message: "Nothing to save: the profile is unchanged." };
    return { status: "ok", message: "MFA profile saved." };
  },
);

/**
 * A provider's configuration. The change rules (a new origin needs new credentials) are checked
 * before the MFA prompt — so the admin sees the field error at once — and again under the row
 * lock. The client secret is bound into the grant's input hash but never audited or returned.
 */
export const updateProvider = adminStepUpAction(
  {
    action: "admin.provider",
    schema: providerSchema,
    risk: async (input, { tx }) => {
      const current = await findProviderView(tx, input.providerId);
      if (!current) return { decision: "block", message: "That provider does not exist." };
      const errors = providerChangeErrors(current, input);
      if (errors) throw new Refusal(MESSAGES.checkFields, errors);
      return providerChanges(current, input).length ? { decision: "mfa", reason: "provider configuration change" } : { decision: "allow" };
    },
    describe: async (input, { tx }) => {
      const current = await findProviderView(tx, input.providerId);
      const fields = current ? providerChanges(current, input).map(providerChangeLabel) : [];
      return `Change ${current?.name ?? "provider"}: ${fields.join(", ")}`;
    },
    auditDetails: providerAuditDetails,
    revalidate: () => ["/admin/settings"],
  },
  async (input, { tx, session }) => {
    const result = await updateProviderIn(tx, input, { userId: session.userId, label: session.username, sessionId: session.id, ip: await clientIp() });
    if (!result.ok) throw new Refusal(result.message, result.fieldErrors);
    if (!result.changes.length) return { status: "ok", message: "Nothing to save: the provider is unchanged." };
    return { status: "ok", message: `Saved: ${result.changes.map(providerChangeLabel).join(", ")}.` };
  },
);

/**
 * A provider's resources and their CEL transforms: stepped up and audited like every
 * provider change. Every expression was compiled by the schema, so a compile error is a field
 * error before the MFA prompt; the row is re-read under its lock to compute what changed.
 */
export const updateProviderResources = adminStepUpAction(
  {
    action: "admin.provider_resources",
    schema: providerResourcesSchema,
    risk: async (input, { tx }) => {
      const current = await findProviderView(tx, input.providerId);
      if (!current) return { decision: "block", message: "That provider does not exist." };
      return resourceChanges(current.resources, resourcesOf(input)).length ? { decision: "mfa", reason: "provider configuration change" } : { decision: "allow" };
    },
    describe: async (input, { tx }) => {
      const current = await findProviderView(tx, input.providerId);
      return `Change ${current?.name ?? "provider"}: ${current ? resourceChangeLabel(resourceChanges(current.resources, resourcesOf(input))) : "resources"}`;
    },
    auditDetails: (i) => ({ providerId: i.providerId, resources: resourcesOf(i) }),
    revalidate: () => ["/admin/settings"],
  },
  async (input, { tx, session }) => {
    const result = await updateProviderResourcesIn(tx, input.providerId, resourcesOf(input), { userId: session.userId, label: session.username, sessionId: session.id, ip: await clientIp() });
    if (!result.ok) throw new Refusal(result.message, result.fieldErrors);
    if (!result.changes.length) return { status: "ok", message: "Nothing to save: the resources are unchanged." };
    return { status: "ok", message: `Saved: ${resourceChangeLabel(result.changes)}.` };
  },
);

/**
 * "Try it": one transform on a pasted sample, with the runtime's limits. It stores nothing and
 * calls no provider, so it needs an administrator but no step-up, and leaves no audit event.
 */
export const tryProviderTransform = adminAction(tryTransformSchema, async (input) => {
  const r = tryTransform(input);
  if (!r.ok) return { status: "error", message: MESSAGES.checkFields, fieldErrors: r.fieldErrors };
  return { status: "ok", data: r.result } satisfies ActionState<TryTransformResult>;
});
