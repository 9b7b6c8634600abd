import Link from "next/link";
import type { ComponentProps, ReactNode } from "react";
import type { ActionState } from "@/lib/actions/state";

/** The shared design system: every page builds from these few pieces. */

export function cx(...parts: (string | false | null | undefined)[]): string {
  return parts.filter(Boolean).join(" ");
}

const buttonBase =
  "inline-flex items-center justify-center gap-2 rounded-lg px-4 py-2.5 text-sm font-semibold transition disabled:cursor-not-allowed disabled:opacity-60";
const buttonKinds = {
  primary: "bg-brand-600 text-white hover:bg-brand-700 shadow-sm",
  secondary: "border border-line bg-white text-ink hover:bg-brand-50",
  danger: "bg-danger text-white hover:opacity-90",
  // Underlined, not colour alone: a link inside text must stand out without colour (WCAG 2.2
  // SC 1.4.1 Use of Color; axe link-in-text-block).
  link: "px-0 py-0 text-brand-600 underline underline-offset-4 hover:decoration-2",
} as const;

export function Button({
  kind = "primary",
  className,
  ...props
}: ComponentProps<"button"> & { kind?: keyof typeof buttonKinds }) {
  return <button className={cx(buttonBase, buttonKinds[kind], className)} {...props} />;
}

export function ButtonLink({
  kind = "primary",
  className,
  ...props
}: ComponentProps<typeof Link> & { kind?: keyof typeof buttonKinds }) {
  return <Link className={cx(buttonBase, buttonKinds[kind], className)} {...props} />;
}

export function Card({ className, ...props }: ComponentProps<"section">) {
  return <section className={cx("rounded-2xl border border-line bg-white p-5 shadow-sm sm:p-6", className)} {...props} />;
}

export function PageHeader({ title, subtitle, action }: { title: string; subtitle?: ReactNode; action?: ReactNode }) {
  return (
    <div className="mb-6 flex flex-wrap items-end justify-between gap-3">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">{title}</h1>
        {subtitle ? <p className="mt-1 text-sm text-muted">{subtitle}</p> : null}
      </div>
      {action}
    </div>
  );
}

const alertKinds = {
  error: "border-danger/30 bg-danger-bg text-danger",
  warn: "border-warn/30 bg-warn-bg text-warn",
  ok: "border-ok/30 bg-ok-bg text-ok",
  info: "border-brand-500/30 bg-brand-50 text-brand-700",
} as const;

/** role="alert" for errors; others are polite status messages. */
export function Alert({
  kind = "info",
  children,
  className,
  id,
}: {
  kind?: keyof typeof alertKinds;
  children: ReactNode;
  className?: string;
  id?: string;
}) {
  return (
    <div
      id={id}
      role={kind === "error" ? "alert" : "status"}
      className={cx("rounded-lg border px-4 py-3 text-sm", alertKinds[kind], className)}
    >
      {children}
    </div>
  );
}

/**
 * A form's result above its fields: an error as an alert, success as a status — and a step-up
 * the user cancelled as calm information, not an error (nothing went wrong; they chose).
 */
export function FormResult({ state, className }: { state: ActionState; className?: string }) {
  if (!state.message) return null;
  if (state.status === "ok") return <Alert kind="ok" className={className}>{state.message}</Alert>;
  if (state.status !== "error") return null;
  return <Alert kind={state.code === "cancelled" ? "info" : "error"} className={className}>{state.message}</Alert>;
}

/**
 * A modal dialog, opened by its caller with showModal(). Escape does what the caller says
 * (`onEscape`: "stay signed in", "cancel") instead of only hiding the dialog.
 */
export function Modal({ onEscape, wide = false, className, ...props }: ComponentProps<"dialog"> & { onEscape: () => void; wide?: boolean }) {
  return (
    <dialog
      onCancel={(e) => {
        e.preventDefault();
        onEscape();
      }}
      className={cx(
        "m-auto rounded-2xl border border-line bg-white p-6 shadow-xl backdrop:bg-ink/40",
        wide ? "w-[min(32rem,calc(100vw-2rem))]" : "w-[min(28rem,calc(100vw-2rem))]",
        className,
      )}
      {...props}
    />
  );
}

/** The attributes that tie a control to its hint and error (WCAG 2.2 1.3.1, 3.3.1). */
type ControlAria = { id: string; "aria-invalid"?: true; "aria-describedby"?: string };

/**
 * What every labelled control shares: the label above, the hint and the error under it (the
 * error line is always there, so a message appearing moves nothing), and the ids that tie them
 * to the control. `control` renders the input, select or textarea with those attributes.
 */
export function FieldFrame({
  id,
  label,
  hint,
  errors,
  className,
  control,
}: {
  id: string;
  label: ReactNode;
  hint?: ReactNode;
  errors?: string[];
  className?: string;
  control: (aria: ControlAria) => ReactNode;
}) {
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const describedBy = [hint ? hintId : null, errors?.length ? errorId : null].filter(Boolean).join(" ") || undefined;
  return (
    <div className={cx("space-y-1.5", className)}>
      <label htmlFor={id} className="block text-sm font-medium">
        {label}
      </label>
      {control({ id, "aria-invalid": errors?.length ? true : undefined, "aria-describedby": describedBy })}
      {hint ? (
        <p id={hintId} className="text-xs text-muted">
          {hint}
        </p>
      ) : null}
      <p id={errorId} aria-live="polite" className="text-sm text-danger">
        {errors?.[0] ?? ""}
      </p>
    </div>
  );
}

/** The look of a control, red-bordered while it has an error. */
export const controlClass = (errors?: string[]) =>
  cx(
    "block w-full rounded-lg border bg-white px-3 shadow-xs outline-none focus:border-brand-500 focus:ring-2 focus:ring-brand-500/20",
    errors?.length ? "border-danger" : "border-line",
  );

type LabelledProps = { label: string; name: string; errors?: string[]; hint?: ReactNode };

export function Field({ label, name, errors, hint, className, ...input }: ComponentProps<"input"> & LabelledProps) {
  return (
    <FieldFrame
      id={input.id ?? `field-${name}`}
      label={label}
      hint={hint}
      errors={errors}
      className={className}
      control={(aria) => (
        <input {...aria} name={name} className={cx(controlClass(errors), "py-2.5 text-base transition placeholder:text-muted/60")} {...input} />
      )}
    />
  );
}

/** A labelled select with its error under it, like Field. */
export function SelectField({ label, name, errors, hint, className, children, ...select }: ComponentProps<"select"> & LabelledProps) {
  return (
    <FieldFrame
      id={select.id ?? `field-${name}`}
      label={label}
      hint={hint}
      errors={errors}
      className={className}
      control={(aria) => (
        <select {...aria} name={name} className={cx(controlClass(errors), "py-2.5 text-base")} {...select}>
          {children}
        </select>
      )}
    />
  );
}

export { formatMinor as formatMoney } from "@/lib/bank/format";

const dateFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

export function formatDate(d: Date | string): string {
  return dateFormat.format(new Date(d));
}
