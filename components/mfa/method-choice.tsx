"use client";

import { cx } from "@/components/ui";

/** The radio list of methods (to verify with, or to add), each with its name and description. */
export function MethodChoice({
  legend,
  name,
  methods,
  selected,
  onSelect,
}: {
  legend: string;
  name: string;
  methods: { id: string; name: string; description: string }[];
  selected: string | undefined;
  onSelect: (id: string) => void;
}) {
  return (
    <fieldset>
      <legend className="mb-2 text-sm font-medium">{legend}</legend>
      <div className="grid gap-2" role="radiogroup">
        {methods.map((m) => (
          <label
            key={m.id}
            className={cx(
              "flex cursor-pointer items-start gap-3 rounded-lg border p-3 text-sm",
              m.id === selected ? "border-brand-500 bg-brand-50" : "border-line bg-white",
            )}
          >
            <input type="radio" name={name} value={m.id} checked={m.id === selected} onChange={() => onSelect(m.id)} className="mt-1" />
            <span>
              <span className="block font-medium">{m.name}</span>
              <span className="block text-muted">{m.description}</span>
            </span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}
