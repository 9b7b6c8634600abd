"use client";

import { useState } from "react";
import type { ActionState } from "@/lib/actions/state";
import { MethodChoice } from "./method-choice";
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
  headingLevel = 3,
}: {
  factors: ChooserFactor[];
  action: (prev: ActionState, form: FormData) => Promise<ActionState>;
  extra?: Record<string, string>;
  legend?: string;
  /** One below the page's heading above it: headings never skip a level (axe heading-order). */
  headingLevel?: 2 | 3;
}) {
  const Heading = headingLevel === 2 ? "h2" : "h3";
  const [selected, setSelected] = useState(factors[0]?.id);
  const factor = factors.find((f) => f.id === selected);
  return (
    <div className="space-y-5">
      {factors.length > 1 ? <MethodChoice legend={legend} name="register-choice" methods={factors} selected={selected} onSelect={setSelected} /> : null}
      {factor ? (
        <section aria-labelledby={`register-${factor.id}`} className="space-y-3">
          <Heading id={`register-${factor.id}`} className="font-semibold">
            {factor.registerTitle}
          </Heading>
          <RegisterPanel key={factor.id} factorId={factor.id} data={factor.data} action={action} extra={extra} />
        </section>
      ) : null}
    </div>
  );
}
