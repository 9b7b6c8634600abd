import Link from "next/link";
import type { ComponentProps, ReactNode } from "react";
import { controlClass, cx, FieldFrame } from "@/components/ui";

/** Small pieces the admin console adds to the design system (components/ui.tsx). */

const badgeKinds = {
  neutral: "bg-canvas text-muted border-line",
  ok: "bg-ok-bg text-ok border-ok/30",
  warn: "bg-warn-bg text-warn border-warn/30",
  danger: "bg-danger-bg text-danger border-danger/30",
  brand: "bg-brand-50 text-brand-700 border-brand-500/30",
} as const;

export function Badge({ kind = "neutral", children }: { kind?: keyof typeof badgeKinds; children: ReactNode }) {
  return <span className={cx("inline-flex items-center rounded-full border px-2 py-0.5 text-xs font-medium", badgeKinds[kind])}>{children}</span>;
}

/**
 * A wide table scrolls sideways inside its card. The scrolling box takes keyboard focus (arrow
 * keys scroll it) and is named after the table: WCAG 2.2 SC 2.1.1 Keyboard, axe
 * `scrollable-region-focusable`. `relative`: a visually hidden heading (`sr-only` is absolutely
 * positioned) stays inside the scrolling box instead of widening the page at 375 px.
 */
export function Table({ className, ...props }: ComponentProps<"table">) {
  return (
    <div role="region" aria-label={props["aria-label"] ?? "Table"} tabIndex={0} className="relative -mx-5 overflow-x-auto sm:-mx-6">
      <table className={cx("w-full min-w-[40rem] border-collapse text-left text-sm", className)} {...props} />
    </div>
  );
}

export const th = "border-b border-line bg-canvas px-5 py-2.5 text-xs font-semibold uppercase tracking-wide text-muted sm:px-6";
export const td = "border-b border-line px-5 py-3 align-top sm:px-6";

/** Previous / next links that keep the current filters. */
export function Pager({
  path,
  params,
  page,
  hasMore,
  summary,
}: {
  path: string;
  params: Record<string, string | undefined>;
  page: number;
  hasMore: boolean;
  summary?: ReactNode;
}) {
  const href = (p: number) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
    if (p > 1) q.set("page", String(p));
    const s = q.toString();
    return s ? `${path}?${s}` : path;
  };
  const link = "rounded-lg border border-line bg-white px-3 py-1.5 font-medium hover:bg-brand-50";
  const off = "rounded-lg border border-line px-3 py-1.5 text-muted/60";
  return (
    <nav aria-label="Pages" className="mt-4 flex flex-wrap items-center justify-between gap-3 text-sm">
      <p className="text-muted">{summary ?? `Page ${page}`}</p>
      <div className="flex gap-2">
        {page > 1 ? <Link className={link} href={href(page - 1)} rel="prev">Previous</Link> : <span className={off} aria-disabled="true">Previous</span>}
        {hasMore ? <Link className={link} href={href(page + 1)} rel="next">Next</Link> : <span className={off} aria-disabled="true">Next</span>}
      </div>
    </nav>
  );
}

/** A labelled textarea with its error under it, like Field. */
/** `mono`: for code (CEL expressions, JSON samples): monospace, smaller, no spell check or autofill. */
export function TextArea({
  label,
  name,
  errors,
  hint,
  mono = false,
  ...props
}: ComponentProps<"textarea"> & { label: string; name: string; errors?: string[]; hint?: ReactNode; mono?: boolean }) {
  return (
    <FieldFrame
      id={props.id ?? `field-${name}`}
      label={label}
      hint={hint}
      errors={errors}
      control={(aria) => (
        <textarea
          {...aria}
          name={name}
          rows={3}
          {...(mono ? { spellCheck: false, autoComplete: "off" } : {})}
          className={cx(controlClass(errors), mono ? "py-2 font-mono text-sm" : "py-2.5 text-base transition")}
          {...props}
        />
      )}
    />
  );
}

export function Checkbox({ label, hint, ...props }: ComponentProps<"input"> & { label: string; hint?: ReactNode }) {
  return (
    <label className="flex items-start gap-2 text-sm">
      <input type="checkbox" className="mt-0.5 h-4 w-4 accent-brand-600" {...props} />
      <span>
        {label}
        {hint ? <span className="block text-xs text-muted">{hint}</span> : null}
      </span>
    </label>
  );
}
