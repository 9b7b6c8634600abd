"use client";

import { startTransition, useActionState, useId, useState, type FormEvent } from "react";
import type { ProviderView } from "@/lib/admin/providers";
import type { ResourceDefault, ResourceName } from "@/lib/mfa/provider/resources";
import { tryProviderTransform, updateProviderResources } from "@/app/admin/settings/actions";
import { TextArea } from "@/components/admin/ui";
import { useStepUpForm } from "@/components/mfa/step-up";
import { Button, cx, Field, FormResult, SelectField } from "@/components/ui";
import type { ActionState } from "@/lib/actions/state";

/** What the page passes per resource: its name, what it does, and the contract's defaults. */
export type ResourceOption = { name: ResourceName; title: string; defaults: ResourceDefault };

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/**
 * A provider's resources (IBM Verify's webhook resources): per resource a suffix, a method, the
 * expected statuses and two CEL transforms. Blank = the contract's default. One save, one MFA.
 */
export function ProviderResourcesForm({ provider, resources }: { provider: ProviderView; resources: ResourceOption[] }) {
  const { state, pending, onSubmit, dialog } = useStepUpForm(updateProviderResources, { cancelMessage: "Cancelled. The resources were not changed." });
  const err = (k: string) => state.fieldErrors?.[k];
  const id = (r: string, k: string) => `provider-${provider.id}-${r}-${k}`;
  return (
    <>
      <form onSubmit={onSubmit} className="space-y-3" noValidate aria-label={`Resources: ${provider.name}`}>
        <FormResult state={state} />
        <input type="hidden" name="providerId" value={provider.id} />
        <p className="text-xs text-muted">
          Adapt a provider that speaks another dialect without code: each call is a resource. Leave a field blank for the
          contract&apos;s default. Transforms are CEL expressions, checked when you save. A transform that fails at run time
          makes the provider unavailable for that customer; nothing is counted against them.
        </p>
        {resources.map((r) => {
          const o = provider.resources[r.name] ?? {};
          const set = Object.keys(o).length > 0;
          const field = (k: string) => `r.${r.name}.${k}`;
          const anyError = ["suffix", "method", "expectedStatus", "outgoing", "incoming"].some((k) => err(field(k))?.length);
          return (
            <details key={r.name} open={set || anyError || undefined} className="rounded-lg border border-line p-3">
              <summary className="cursor-pointer text-sm font-medium">
                <span className="font-mono">{r.name}</span> <span className="font-normal text-muted">— {r.title}</span>
                {set ? <span className="ml-2 text-xs text-brand-700">configured</span> : null}
              </summary>
              <div className="mt-3 space-y-2">
                <div className="grid gap-x-4 sm:grid-cols-3">
                  <Field
                    id={id(r.name, "suffix")}
                    label={`Suffix (${r.name})`}
                    name={field("suffix")}
                    defaultValue={o.suffix ?? ""}
                    placeholder={r.defaults.suffix}
                    hint={`Default ${r.defaults.suffix}`}
                    errors={err(field("suffix"))}
                    autoComplete="off"
                    spellCheck={false}
                  />
                  <SelectField
                    id={id(r.name, "method")}
                    label={`Method (${r.name})`}
                    name={field("method")}
                    defaultValue={o.method ?? ""}
                    errors={err(field("method"))}
                  >
                    <option value="">Default ({r.defaults.method})</option>
                    {METHODS.map((m) => (
                      <option key={m} value={m}>
                        {m}
                      </option>
                    ))}
                  </SelectField>
                  <Field
                    id={id(r.name, "expectedStatus")}
                    label={`Expected status (${r.name})`}
                    name={field("expectedStatus")}
                    defaultValue={o.expectedStatus?.join(", ") ?? ""}
                    placeholder={r.defaults.expectedStatus.join(", ")}
                    hint={`Default ${r.defaults.expectedStatus.join(", ")}`}
                    errors={err(field("expectedStatus"))}
                    inputMode="numeric"
                    autoComplete="off"
                  />
                </div>
                <TextArea
                  mono
                  id={id(r.name, "outgoing")}
                  label={`Outgoing transform (${r.name})`}
                  name={field("outgoing")}
                  defaultValue={o.outgoing ?? ""}
                  hint="Reads body, headers, method, path, params. Returns a map of what to change: method, path, headers, body."
                  errors={err(field("outgoing"))}
                />
                <TextArea
                  mono
                  id={id(r.name, "incoming")}
                  label={`Incoming transform (${r.name})`}
                  name={field("incoming")}
                  defaultValue={o.incoming ?? ""}
                  hint="Reads body, headers, status_code, request. Returns the contract's response for this resource."
                  errors={err(field("incoming"))}
                />
              </div>
            </details>
          );
        })}
        <Button type="submit" kind="secondary" disabled={pending}>
          {pending ? "Saving…" : `Save resources of ${provider.name}`}
        </Button>
      </form>
      {dialog}
    </>
  );
}

type TryState = ActionState<{ output: string; verdict: string; fits: boolean }>;

/**
 * "Try it": run a transform on a pasted sample and see its output and whether the bank would
 * accept it. Nothing is stored and no provider is called.
 */
export function TryTransformPanel({ resources, providerName }: { resources: ResourceOption[]; providerName: string }) {
  const [state, formAction, pending] = useActionState<TryState, FormData>(
    tryProviderTransform as (s: TryState, f: FormData) => Promise<TryState>,
    { status: "idle" },
  );
  const [direction, setDirection] = useState("incoming");
  const uid = useId();
  const err = (k: string) => state.fieldErrors?.[k];
  // Sent from onSubmit rather than <form action>: React resets a form after its action, and an
  // administrator trying variations wants the expression and sample to stay.
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    startTransition(() => formAction(form));
  };
  return (
    <form onSubmit={onSubmit} className="space-y-3" noValidate aria-label={`Try a transform: ${providerName}`}>
      <h4 className="text-sm font-semibold">Try a transform</h4>
      <p className="text-xs text-muted">Paste an expression and a sample; see what it returns. Nothing is saved and no provider is called.</p>
      {state.status === "error" ? <FormResult state={state} /> : null}
      <div className="grid gap-x-4 sm:grid-cols-2">
        <SelectField id={`${uid}-resource`} label="Resource" name="resource">
          {resources.map((r) => (
            <option key={r.name} value={r.name}>
              {r.name}
            </option>
          ))}
        </SelectField>
        <SelectField id={`${uid}-direction`} label="Direction" name="direction" value={direction} onChange={(e) => setDirection(e.target.value)}>
          <option value="incoming">Incoming (response)</option>
          <option value="outgoing">Outgoing (request)</option>
        </SelectField>
      </div>
      <TextArea mono id={`${uid}-expression`} label="Expression" name="expression" errors={err("expression")} />
      <TextArea
        mono
        id={`${uid}-sample`}
        label="Sample variables (JSON)"
        name="sample"
        rows={5}
        placeholder={direction === "incoming" ? '{"body": {"txnRef": "t-1", "decision": "APPROVED"}, "status_code": 200}' : '{"body": {"transactionId": "t-1", "code": "123456"}, "params": {"transactionId": "t-1"}}'}
        hint={
          direction === "incoming"
            ? "A JSON object with any of body, headers, status_code, request."
            : "A JSON object with any of body, headers, method, path, params."
        }
        errors={err("sample")}
      />
      <Button type="submit" kind="secondary" disabled={pending}>
        {pending ? "Running…" : "Run"}
      </Button>
      <div aria-live="polite">
        {state.status === "ok" && state.data ? (
          <section aria-label="Transform result" className="space-y-2">
            <p className={cx("text-sm", state.data.fits ? "text-ok" : "text-danger")}>{state.data.verdict}</p>
            {state.data.output ? (
              <pre role="region" aria-label="Output" tabIndex={0} className="max-h-64 overflow-auto rounded-lg border border-line bg-canvas p-3 font-mono text-xs">
                {state.data.output}
              </pre>
            ) : null}
          </section>
        ) : null}
      </div>
    </form>
  );
}
