"use client";

import { useCallback } from "react";
import type { ProviderView } from "@/lib/admin/providers";
import type { GroupProfile } from "@/lib/admin/group-profiles";
import { msAsSeconds } from "@/lib/admin/units";
import { updateGroupProfile, updateProvider, updateSettings } from "@/app/admin/settings/actions";
import { Checkbox, TextArea } from "@/components/admin/ui";
import { useStepUpForm } from "@/components/mfa/step-up";
import { Button, Field, FormResult, SelectField } from "@/components/ui";

export type SettingsValues = {
  lockoutThreshold: number;
  lockoutDurationMinutes: number;
  /** Decimal strings of seconds ("1", "0.25"); the settings row keeps milliseconds (lib/admin/units.ts). */
  backoffBaseSeconds: string;
  backoffMaxSeconds: string;
  mfaTokenLifetimeMinutes: number;
  /** Decimal strings ("1000.00"): money is typed and parsed as text, never as a float. */
  stepUpAmount: string;
  blockAmount: string;
  newPayeeHours: number;
  pushTimeoutSeconds: number;
  signInTargetTypes: string[];
  stepUpTargetTypes: string[];
};

export type TargetTypeOption = { id: string; name: string };


export function SettingsForm({ values, targetTypes }: { values: SettingsValues; targetTypes: TargetTypeOption[] }) {
  const { state, pending, onSubmit, dialog } = useStepUpForm(updateSettings, { cancelMessage: "Cancelled. No setting was changed." });
  const err = (k: string) => state.fieldErrors?.[k];
  const num = { inputMode: "numeric" as const, autoComplete: "off" };
  const targets = (list: "signInTargetTypes" | "stepUpTargetTypes", title: string, hint: string) => (
    <fieldset aria-describedby={`${list}-hint ${list}-error`} className="space-y-2">
      <legend className="text-sm font-medium">{title}</legend>
      <p id={`${list}-hint`} className="text-xs text-muted">
        {hint}
      </p>
      {targetTypes.map((t) => (
        <Checkbox key={t.id} name={`${list}.${t.id}`} label={t.name} defaultChecked={values[list].includes(t.id)} />
      ))}
      <p id={`${list}-error`} aria-live="polite" className="text-sm text-danger">
        {err(list)?.[0] ?? ""}
      </p>
    </fieldset>
  );
  return (
    <>
      <form onSubmit={onSubmit} className="space-y-6" noValidate aria-label="Security policy">
        <FormResult state={state} />
        <fieldset className="grid gap-x-6 sm:grid-cols-2">
          <legend className="mb-3 font-semibold">Lockout and backoff</legend>
          <Field label="Lockout threshold" name="lockoutThreshold" defaultValue={values.lockoutThreshold} hint="Failed attempts in a row (password or any factor) that lock the account, 1–100." errors={err("lockoutThreshold")} {...num} />
          <Field label="Lock duration (minutes)" name="lockoutDurationMinutes" defaultValue={values.lockoutDurationMinutes} hint="0 = locked until an administrator unlocks." errors={err("lockoutDurationMinutes")} {...num} />
          <Field label="Backoff base (seconds)" name="backoffBaseSeconds" defaultValue={values.backoffBaseSeconds} hint="Wait after the first failed MFA attempt; doubles with each further failure. 0–300, like 1 or 0.5; 0 = no backoff." errors={err("backoffBaseSeconds")} inputMode="decimal" autoComplete="off" />
          <Field label="Backoff cap (seconds)" name="backoffMaxSeconds" defaultValue={values.backoffMaxSeconds} hint="The longest wait between MFA attempts, 0–3600 (an hour)." errors={err("backoffMaxSeconds")} inputMode="decimal" autoComplete="off" />
        </fieldset>
        <fieldset className="grid gap-x-6 sm:grid-cols-2">
          <legend className="mb-3 font-semibold">Step-up and event-driven validation</legend>
          <Field label="MFA token lifetime (minutes)" name="mfaTokenLifetimeMinutes" defaultValue={values.mfaTokenLifetimeMinutes} hint="How long a passed step-up MFA stays valid for its one action, 1–60." errors={err("mfaTokenLifetimeMinutes")} {...num} />
          <Field label="New payee window (hours)" name="newPayeeHours" defaultValue={values.newPayeeHours} hint="Transfers to a payee added within this time need MFA." errors={err("newPayeeHours")} {...num} />
          <Field label="Step-up amount (EUR)" name="stepUpAmountMinor" defaultValue={values.stepUpAmount} hint="Transfers above this need MFA." errors={err("stepUpAmountMinor")} inputMode="decimal" autoComplete="off" />
          <Field label="Block amount (EUR)" name="blockAmountMinor" defaultValue={values.blockAmount} hint="Transfers above this cannot be made online." errors={err("blockAmountMinor")} inputMode="decimal" autoComplete="off" />
        </fieldset>
        <fieldset className="space-y-4">
          <legend className="mb-3 font-semibold">Provider delivery targets</legend>
          <p className="text-xs text-muted">
            Which kinds of delivery target an external provider may use, separately for sign-in and for transactions. Each list
            needs at least one type: customers whose only methods are at a provider could not sign in or authorise a payment
            otherwise. To stop using a provider altogether, disable it under Providers. A change applies from the next
            verification on.
          </p>
          <div className="grid gap-6 sm:grid-cols-2">
            {targets("signInTargetTypes", "Sign-in", "Targets that may answer the sign-in (and password reset) challenge.")}
            {targets("stepUpTargetTypes", "Transactions", "Targets that may authorise a step-up: large transfers, new payees.")}
          </div>
          <div className="grid gap-x-6 sm:grid-cols-2">
            <Field label="Push timeout (seconds)" name="pushTimeoutSeconds" defaultValue={values.pushTimeoutSeconds} hint="How long a push waits for the customer's answer, 5–600." errors={err("pushTimeoutSeconds")} {...num} />
          </div>
        </fieldset>
        <Button type="submit" disabled={pending}>
          {pending ? "Saving…" : "Save policy"}
        </Button>
      </form>
      {dialog}
    </>
  );
}

export type FactorOption = { id: string; name: string; primary: boolean };

export function GroupProfileForm({
  group,
  factors,
}: {
  group: GroupProfile;
  factors: FactorOption[];
}) {
  const { state, pending, onSubmit, dialog } = useStepUpForm(updateGroupProfile, { cancelMessage: "Cancelled. The profile was not changed." });
  const listError = (k: string) => state.fieldErrors?.[k]?.[0];
  const column = (workflow: "signIn" | "stepUp", title: string, hint: string, chosen: string[]) => (
    <fieldset aria-describedby={`${group.id}-${workflow}-error`} className="space-y-2">
      <legend className="text-sm font-medium">{title}</legend>
      <p className="text-xs text-muted">{hint}</p>
      {factors.map((f) => (
        <Checkbox
          key={f.id}
          name={`${workflow}.${f.id}`}
          label={f.name}
          hint={f.primary ? undefined : "backs another factor up"}
          defaultChecked={chosen.includes(f.id)}
        />
      ))}
      <p id={`${group.id}-${workflow}-error`} aria-live="polite" className="text-sm text-danger">
        {listError(`${workflow}Factors`) ?? ""}
      </p>
    </fieldset>
  );
  return (
    <>
      <form onSubmit={onSubmit} className="space-y-4" noValidate aria-label={`MFA profile: ${group.name}`}>
        <FormResult state={state} />
        <input type="hidden" name="groupId" value={group.id} />
        <Checkbox
          name="mfaRequired"
          label="MFA required"
          hint="Members without a factor must enrol right after their password, before anything else."
          defaultChecked={group.mfaRequired}
        />
        <Checkbox
          name="selfUnlock"
          label="Members may unlock their own account by e-mail"
          hint="The lock e-mail then carries a one-hour unlock link (at most 3 unlocks a day). Off: an administrator unlocks them."
          defaultChecked={group.selfUnlock}
        />
        <Checkbox
          name="phishingResistantOnly"
          label="Phishing-resistant sign-in only"
          hint="Sign-in and password reset accept passkeys only, with or without the password; a code from an app, text or e-mail is refused. Members without a passkey ask the bank for a reset."
          defaultChecked={group.phishingResistantOnly}
        />
        <Field
          label="Remember a browser after sign-in (days, 0 = off)"
          name="rememberDeviceDays"
          id={`${group.id}-remember-device-days`}
          inputMode="numeric"
          defaultValue={String(group.rememberDeviceDays)}
          hint="At most 30. Members may skip the sign-in code on a browser they chose to remember. Never for transfers or other confirmations."
          errors={state.fieldErrors?.rememberDeviceDays}
        />
        <div className="grid gap-6 sm:grid-cols-2">
          {column("signIn", "Sign-in", "Factors that may answer the sign-in (and password reset) challenge.", group.signInFactors)}
          {column("stepUp", "Transactions and event-driven validation", "Factors that may authorise a step-up: large transfers, new payees, admin actions.", group.stepUpFactors)}
        </div>
        <Button type="submit" kind="secondary" disabled={pending}>
          {pending ? "Saving…" : `Save ${group.name}`}
        </Button>
      </form>
      {dialog}
    </>
  );
}

/** Exactly what the admin page may see of a provider (no secret): lib/admin/providers.ts. */
export type ProviderFormValues = ProviderView;

/** The in-app mock's redirect endpoints, shown as what a blank field means (lib/mfa/redirect/flow.ts). */
export type MockRedirectDefaults = { issuer: string; authorizeUrl: string; tokenUrl: string; jwksUrl: string };

/**
 * One external provider. The client secret field starts empty and is emptied again after a
 * save: the page never receives the stored secret, and what the admin typed is not kept.
 */
/** The redirect type's endpoint fields: one shape each, blank = the in-app mock's. */
function redirectEndpoints(mock: MockRedirectDefaults) {
  return [
    {
      name: "redirectIssuer",
      label: "Issuer",
      type: undefined,
      hint: `Who signs the results (their "iss"), and the audience of the bank's requests. Blank = the in-app mock (${mock.issuer}).`,
    },
    { name: "authorizeUrl", label: "Authorize URL", type: "url", hint: `The provider's page the customer is sent to. Blank = ${mock.authorizeUrl}.` },
    { name: "tokenUrl", label: "Token URL", type: "url", hint: `Where the bank exchanges the code, with the client ID and secret below. Blank = ${mock.tokenUrl}.` },
    { name: "jwksUrl", label: "JWKS URL", type: "url", hint: `The provider's public keys, fetched and refreshed when it rotates them. Blank = ${mock.jwksUrl}.` },
  ] as const;
}

export function ProviderForm({ provider, mockBaseUrl, mockRedirect }: { provider: ProviderFormValues; mockBaseUrl: string; mockRedirect: MockRedirectDefaults }) {
  const onDone = useCallback((form: HTMLFormElement) => {
    for (const name of ["clientId", "clientSecret"]) {
      const input = form.elements.namedItem(name);
      if (input instanceof HTMLInputElement) input.value = "";
    }
  }, []);
  const { state, pending, onSubmit, dialog } = useStepUpForm(updateProvider, { cancelMessage: "Cancelled. The provider was not changed.", onDone });
  const err = (k: string) => state.fieldErrors?.[k];
  const id = (name: string) => `provider-${provider.id}-${name}`;
  return (
    <>
      <form onSubmit={onSubmit} className="space-y-4" noValidate aria-label={`Provider: ${provider.name}`}>
        <FormResult state={state} />
        <input type="hidden" name="providerId" value={provider.id} />
        <p className="text-xs text-muted">
          Methods:{" "}
          {provider.type === "redirect"
            ? `${provider.credentialPrefix}:redirect`
            : provider.capabilities.map((c) => `${provider.credentialPrefix}:${c}`).join(", ") || "none"}
        </p>
        <Checkbox
          name="enabled"
          label="Enabled"
          hint="Off: this provider's methods are not offered and cannot be answered; its customers are told to use a recovery code or contact the bank."
          defaultChecked={provider.enabled}
        />
        <Field
          id={id("baseUrl")}
          label="Base URL"
          name="baseUrl"
          type="url"
          defaultValue={provider.baseUrl ?? ""}
          hint={`Absolute http(s) URL, no user:pass@, query or #fragment. Blank = the in-app mock (${mockBaseUrl}).`}
          errors={err("baseUrl")}
          autoComplete="off"
          spellCheck={false}
        />
        <Field
          id={id("timeoutSeconds")}
          label="Timeout (seconds)"
          name="timeoutSeconds"
          defaultValue={msAsSeconds(provider.timeoutMs)}
          hint="How long the bank waits for each provider request, 0.1–30, like 5 or 1.5."
          errors={err("timeoutSeconds")}
          inputMode="decimal"
          autoComplete="off"
        />
        <SelectField
          id={id("type")}
          label="Type"
          name="type"
          defaultValue={provider.type}
          errors={err("type")}
          hint={
            <>
              Redirect: the bank sends the customer to the provider with a signed request and takes them back with a signed result. Its customers then use
              one method, {provider.credentialPrefix}:redirect, where their group offers it.
            </>
          }
        >
          <option value="standard">Standard (push and codes)</option>
          <option value="redirect">Redirect (the provider&apos;s own page)</option>
        </SelectField>
        <fieldset className="space-y-3 rounded-lg border border-line p-3 sm:p-4">
          <legend className="px-1 text-sm font-medium">Redirect endpoints (redirect type only)</legend>
          {redirectEndpoints(mockRedirect).map((f) => (
            <Field
              key={f.name}
              id={id(f.name)}
              label={f.label}
              name={f.name}
              type={f.type}
              defaultValue={provider[f.name] ?? ""}
              hint={f.hint}
              errors={err(f.name)}
              autoComplete="off"
              spellCheck={false}
            />
          ))}
          <TextArea
            mono
            id={id("jwks")}
            label="Pasted JWKS (instead of the JWKS URL)"
            name="jwks"
            defaultValue={provider.jwks ? JSON.stringify(provider.jwks) : ""}
            errors={err("jwks")}
            hint={<>Public keys only, as JSON: {"{\"keys\":[…]}"}. Blank = use the JWKS URL.</>}
          />
        </fieldset>
        <div className="grid gap-x-6 sm:grid-cols-2">
          <Field
            id={id("clientId")}
            label="Client ID"
            name="clientId"
            hint={`Now: ${provider.clientId}. Blank = keep it.`}
            errors={err("clientId")}
            autoComplete="off"
            spellCheck={false}
          />
          <Field
            id={id("clientSecret")}
            label="Client secret"
            name="clientSecret"
            type="password"
            hint="Never shown. Blank = keep it. Required with a new client ID, or a base URL or token URL on another host."
            errors={err("clientSecret")}
            autoComplete="new-password"
          />
        </div>
        <Button type="submit" kind="secondary" disabled={pending}>
          {pending ? "Saving…" : `Save ${provider.name}`}
        </Button>
      </form>
      {dialog}
    </>
  );
}
