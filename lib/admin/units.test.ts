import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { msAsSeconds, secondsAsMs } from "./units";

describe("seconds in the form, milliseconds in the settings row", () => {
  it.each([
    [0, "0"],
    [250, "0.25"],
    [1000, "1"],
    [1500, "1.5"],
    [1001, "1.001"],
    [300_000, "300"],
    [3_600_000, "3600"],
  ])("%i ms shows as %s seconds and parses back", (ms, text) => {
    expect(msAsSeconds(ms)).toBe(text);
    expect(secondsAsMs(text)).toBe(ms);
  });

  it("parses as text, never through a float", () => {
    // 0.1 + 0.2 style errors would give 1099.9999… or 4.35 * 1000 = 4349.999…
    expect(secondsAsMs("4.35")).toBe(4350);
    expect(secondsAsMs("1.1")).toBe(1100);
    expect(secondsAsMs(" 2 ")).toBe(2000);
  });

  it.each(["", "-1", "1.0001", "1,5", "1e3", "0x10", ".5", "5.", "Infinity", "١", "12345678"])("%j is not a number of seconds", (text) => {
    expect(secondsAsMs(text)).toBeNull();
  });

  it("every whole number of ms round-trips", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 3_600_000 }), (ms) => secondsAsMs(msAsSeconds(ms)) === ms));
  });

  it("refuses a negative or fractional ms", () => {
    expect(() => msAsSeconds(-1)).toThrow(RangeError);
    expect(() => msAsSeconds(1.5)).toThrow(RangeError);
  });
});
