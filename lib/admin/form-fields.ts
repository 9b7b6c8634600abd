import { z } from "zod";
import { parseAmountMinor } from "@/lib/bank/money";
import { secondsAsMs } from "./units";

/**
 * The admin console's form fields and change record, shared by the settings, group-profile and
 * provider forms: each field parses a FormData string with a message a person can act on.
 */

export function wholeNumber(label: string, min: number, max: number, unit = "") {
  const msg = `${label}: enter a whole number from ${min} to ${max}${unit}.`;
  return z
    .string({ error: msg })
    .trim()
    .regex(/^[0-9]{1,9}$/, msg)
    .transform(Number)
    .pipe(z.number().int().min(min, msg).max(max, msg));
}

/**
 * A duration typed in seconds and stored in milliseconds (lib/admin/units.ts): the form shows
 * one unit, named in its label; the database keeps its own.
 */
export function secondsToMs(label: string, maxSeconds: number, minSeconds = 0) {
  const msg = `${label}: enter a number of seconds from ${minSeconds} to ${maxSeconds}, like 1 or 0.5 (at most 3 decimals).`;
  return z
    .string({ error: msg })
    .max(32, msg)
    .transform((v, ctx) => {
      const ms = secondsAsMs(v);
      if (ms === null || ms > maxSeconds * 1000 || ms < minSeconds * 1000) {
        ctx.addIssue({ code: "custom", message: msg });
        return z.NEVER;
      }
      return ms;
    });
}

export function amount(label: string) {
  const msg = `${label}: enter an amount like 1000.00 (digits, at most 2 decimals).`;
  return z
    .string({ error: msg })
    .max(32, msg)
    .transform((v, ctx) => {
      const minor = parseAmountMinor(v);
      if (minor === null) {
        ctx.addIssue({ code: "custom", message: msg });
        return z.NEVER;
      }
      return minor;
    });
}

/** A ticked checkbox sends "on"; an unticked one sends nothing. */
export const checkbox = z.literal("on", { error: "Invalid checkbox value." }).optional();

/** One changed field of a saved form: what the audit event records, old and new. */
export type Change = { field: string; old: unknown; new: unknown };
