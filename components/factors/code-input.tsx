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
      // WCAG 2.2 SC 3.3.8 Accessible Authentication: pasting is never blocked. Apps and mails
      // often show "123 456": a pasted numeric code loses its spaces and dashes, so the
      // person need not retype or edit it.
      onPaste={
        numeric
          ? (e) => {
              const pasted = e.clipboardData.getData("text");
              const digits = pasted.replace(/[\s-]/g, "");
              if (digits !== pasted && /^[0-9]{1,12}$/.test(digits)) {
                e.preventDefault();
                e.currentTarget.value = digits;
              }
            }
          : undefined
      }
      className="[&_input]:font-mono [&_input]:tracking-widest"
    />
  );
}
