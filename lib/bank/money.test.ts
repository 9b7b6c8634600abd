import { describe, expect, it } from "vitest";
import { amountSchema, formatMinor, maskAccount, MAX_AMOUNT_MINOR, parseAmountMinor } from "./money";

/**
 * Amounts are typed as decimal strings and become integer minor units; anything that is not
 * plainly "digits, optionally . and 1–2 decimals" is refused — never reinterpreted.
 */

const accepted: [string, number][] = [
  ["10", 1000],
  ["10.5", 1050],
  ["10.05", 1005],
  ["0.01", 1],
  ["1", 100],
  ["1000.00", 100_000],
  ["1000.01", 100_001],
  ["  12.30  ", 1230], // surrounding whitespace is trimmed
  ["007", 700], // leading zeros are harmless
  ["0.1", 10],
  ["0.10", 10],
  ["1,000.00", 100_000], // thousands separators in complete groups
  ["1,000", 100_000],
  ["12,345,678.90", 1_234_567_890],
  ["100000000", MAX_AMOUNT_MINOR], // the ceiling itself
  ["100,000,000.00", MAX_AMOUNT_MINOR],
];

const refused: [string, string][] = [
  ["-1", "negative"],
  ["-0.01", "negative"],
  ["+1", "explicit sign"],
  ["0.001", "three decimals"],
  ["1.999", "three decimals"],
  ["1e9", "exponent"],
  ["1E2", "exponent"],
  ["NaN", "not a number"],
  ["Infinity", "not a number"],
  ["-Infinity", "not a number"],
  ["0x10", "hex"],
  ["0b1", "binary"],
  ["1_000", "numeric separator"],
  ["", "empty"],
  [" ", "blank"],
  ["\t\n", "blank"],
  ["１０", "full-width digits"],
  ["١٠", "Arabic-Indic digits"],
  ["१०", "Devanagari digits"],
  ["10.", "trailing dot"],
  [".5", "no whole part"],
  [".", "dot only"],
  ["1.2.3", "two dots"],
  ["10,50", "decimal comma (would be 1,050.00 if commas were dropped)"],
  ["5,5", "decimal comma"],
  ["1,0,0", "commas not in groups of three"],
  ["1000,00", "commas not in groups of three"],
  [",100", "leading comma"],
  ["100,", "trailing comma"],
  ["1,000,", "trailing comma"],
  ["1 000", "inner space"],
  ["1'000", "apostrophe separator"],
  ["€10", "currency sign"],
  ["10 EUR", "currency code"],
  ["99999999999", "eleven digits"],
  ["9999999999", "over the ceiling"],
  ["100000000.01", "over the ceiling by one cent"],
  ["00000000000001", "too many digits, even if small"],
];

describe("parseAmountMinor", () => {
  it.each(accepted)("%j → %i", (input, minor) => {
    expect(parseAmountMinor(input)).toBe(minor);
  });

  it.each(refused)("%j is refused (%s)", (input) => {
    expect(parseAmountMinor(input)).toBeNull();
  });

  it("zero parses (the schema refuses it, not the parser)", () => {
    expect(parseAmountMinor("0")).toBe(0);
    expect(parseAmountMinor("0.00")).toBe(0);
  });

  it("is exact where floats are not", () => {
    // 0.1 + 0.2 and 1.005 * 100 go wrong with floats; here they never meet one.
    expect(parseAmountMinor("0.30")).toBe(30);
    expect(parseAmountMinor("1.005")).toBeNull();
    expect(parseAmountMinor("19.99")).toBe(1999);
    expect(parseAmountMinor("4.35")).toBe(435); // 4.35 * 100 = 434.99999999999994
    expect(parseAmountMinor("1.15")).toBe(115); // 1.15 * 100 = 114.99999999999999
  });

  it("always yields a safe non-negative integer or null", () => {
    for (const [input] of [...accepted, ...refused]) {
      const v = parseAmountMinor(input);
      if (v !== null) {
        expect(Number.isSafeInteger(v)).toBe(true);
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(MAX_AMOUNT_MINOR);
      }
    }
  });
});

describe("amountSchema", () => {
  it.each(accepted)("%j → %i", (input, minor) => {
    expect(amountSchema.parse(input)).toBe(minor);
  });

  it.each(refused)("%j is refused (%s)", (input) => {
    const r = amountSchema.safeParse(input);
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.message).toMatch(/amount like 125\.50/);
  });

  it.each(["0", "0.00", "0.0", "000"])("%j is refused: the amount must be more than 0.00", (input) => {
    const r = amountSchema.safeParse(input);
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.message)).toEqual(["The amount must be more than 0.00."]);
  });

  it("refuses anything that is not a string", () => {
    for (const v of [["10"], [10], 10, 10.5, 1e9, Number.NaN, Number.POSITIVE_INFINITY, null, undefined, true, { amount: "10" }, 10n]) {
      expect(amountSchema.safeParse(v).success, String(v)).toBe(false);
    }
  });

  it("refuses overlong strings before parsing them", () => {
    const r = amountSchema.safeParse(`${"0".repeat(40)}1`);
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.message).toBe("Enter an amount like 125.50.");
  });
});

describe("formatting", () => {
  it("formatMinor shows euros with two decimals and grouping", () => {
    expect(formatMinor(150_000).replace(/\s/g, " ")).toBe("€1,500.00");
    expect(formatMinor(1)).toBe("€0.01");
    expect(formatMinor(1005)).toBe("€10.05");
  });

  it("maskAccount shows only the last four characters", () => {
    expect(maskAccount("NL02BANK0123456789")).toBe("••6789");
  });
});
