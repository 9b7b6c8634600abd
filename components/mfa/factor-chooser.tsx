"use client";

import { useState } from "react";
import { cx } from "@/components/ui";
import type { ActionState } from "@/lib/actions/state";
import { RegisterPanel } from "./register-panel";

export type ChooserFactor = { id: string; name: string; description: string; registerTitle: string; data: unknown };

/**
 * Adding a method (enrolment on first sign-in, the Security page): the factors the registry
 * offers, as a choice when there are several, then the chosen factor's Register component.
 */
export function FactorChooser({
  factors,
  action,
  extra,
  legend = "Choose a method",
}: {
  factors: ChooserFactor[];
  action: (prev: ActionState, form: FormData) => Promise<ActionState>;
  extra?: Record<string, string>;
  legend?: string;
}) {
  const [selected, setSelected] = useState(factors[0]?.id);
  const factor = factors.find((f) => f.id === selected);
  return (
    <div className="space-y-5">
      {factors.length > 1 ? (
        <fieldset>
          <legend className="mb-2 text-sm font-medium">{legend}</legend>
          <div className="grid gap-2">
            {factors.map((f) => (
              <label
                key={f.id}
                className={cx(
                  "flex cursor-pointer items-start gap-3 rounded-lg border p-3 text-sm",
                  f.id === selected ? "border-brand-500 bg-brand-50" : "border-line bg-white",
                )}
              >
                <input type="radio" name="register-choice" value={f.id} checked={f.id === selected} onChange={() => setSelected(f.id)} className="mt-1" />
                <span>
                  <span className="block font-medium">{f.name}</span>
                  <span className="block text-muted">{f.description}</span>
                </span>
              </label>
            ))}
          </div>
        </fieldset>
      ) : null}
      {factor ? (
        <section aria-labelledby={`register-${factor.id}`} className="space-y-3">
          <h3 id={`register-${factor.id}`} className="font-semibold">
            {factor.registerTitle}
          </h3>
          <RegisterPanel key={factor.id} factorId={factor.id} data={factor.data} action={action} extra={extra} />
        </section>
      ) : null}
    </div>
  );
}
