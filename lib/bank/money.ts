import { z } from "zod";

/**
 * Money is integer minor units (cents), parsed from the decimal string the user typed — never
 * `amount * 100` on a float. ASCII digits only: "１０" and "1e9" are refused, not reinterpreted.
 */
export const MAX_AMOUNT_MINOR = 100_000_000_00; // 100 million: far above any limit, far below 2^53

export function parseAmountMinor(input: string): number | null {
  // A comma is only a thousands separator in complete groups ("1,000.00"); "10,50" is
  // refused, never read as 1,050.00 (in a euro bank it may well mean 10.50).
  const m = /^((?:[0-9]{1,3}(?:,[0-9]{3})+)|[0-9]+)(?:\.([0-9]{1,2}))?$/.exec(input.trim());
  if (!m) return null;
  const whole = m[1]!.replace(/,/g, "");
  if (whole.length > 10) return null;
  const minor = Number(whole) * 100 + Number((m[2] ?? "").padEnd(2, "0"));
  return Number.isSafeInteger(minor) && minor <= MAX_AMOUNT_MINOR ? minor : null;
}

export const amountSchema = z
  .string()
  .max(32, "Enter an amount like 125.50.")
  .transform((v, ctx) => {
    const minor = parseAmountMinor(v);
    if (minor === null) {
      ctx.addIssue({ code: "custom", message: "Enter an amount like 125.50 (digits, at most 2 decimals)." });
      return z.NEVER;
    }
    if (minor <= 0) {
      ctx.addIssue({ code: "custom", message: "The amount must be more than 0.00." });
      return z.NEVER;
    }
    return minor;
  });

export { formatMinor } from "./format";

/** "NL02BANK0123456789" → "••6789": enough to recognise, not enough to copy. */
export function maskAccount(number: string): string {
  return `••${number.slice(-4)}`;
}
