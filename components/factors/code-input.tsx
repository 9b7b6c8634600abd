"use client";

import { Field } from "@/components/ui";

/** The one-time-code input every code factor uses: numeric keypad, OS autofill, described errors. */
export function CodeInput({
  label,
  error,
  numeric = true,
  name = "code",
}: {
  label: string;
  error?: string;
  numeric?: boolean;
  name?: string;
}) {
  return (
    <Field
      label={label}
      name={name}
      inputMode={numeric ? "numeric" : "text"}
      autoComplete={numeric ? "one-time-code" : "off"}
      autoCapitalize="characters"
      spellCheck={false}
      autoFocus
      required
      errors={error ? [error] : undefined}
      className="[&_input]:font-mono [&_input]:tracking-widest"
    />
  );
}
