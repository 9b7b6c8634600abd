import { describe, expect, it } from "vitest";
import { backoffDelayMs, reachesThreshold, successResets, type LockoutPolicy } from "./policy";

const bank: LockoutPolicy = { lockoutThreshold: 5, lockoutDurationMinutes: 0, backoffBaseMs: 1000, backoffMaxMs: 300_000 };

describe("backoffDelayMs", () => {
  it("doubles from the base after each consecutive failed MFA attempt: 1 s, 2 s, 4 s …", () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelayMs(bank, n))).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000]);
  });

  it("is capped at the maximum (5 min by default)", () => {
    expect(backoffDelayMs(bank, 9)).toBe(256_000);
    expect(backoffDelayMs(bank, 10)).toBe(300_000);
    expect(backoffDelayMs(bank, 11)).toBe(300_000);
    expect(backoffDelayMs({ ...bank, backoffMaxMs: 3000 }, 3)).toBe(3000);
  });

  it("stays finite and capped for huge streaks (no Infinity, no overflow)", () => {
    for (const n of [31, 32, 100, 1e6, Number.MAX_SAFE_INTEGER]) {
      expect(backoffDelayMs(bank, n)).toBe(300_000);
    }
    expect(backoffDelayMs({ ...bank, backoffBaseMs: 300_000, backoffMaxMs: 3_600_000 }, 1000)).toBe(3_600_000);
  });

  it("is 0 before any failure", () => {
    expect(backoffDelayMs(bank, 0)).toBe(0);
    expect(backoffDelayMs(bank, -1)).toBe(0);
  });

  it("base 0 disables the backoff", () => {
    for (const n of [1, 2, 10, 100]) expect(backoffDelayMs({ ...bank, backoffBaseMs: 0 }, n)).toBe(0);
  });

  it("a cap of 0 means no wait", () => {
    expect(backoffDelayMs({ ...bank, backoffMaxMs: 0 }, 3)).toBe(0);
  });

  it("uses the configured base", () => {
    expect([1, 2, 3].map((n) => backoffDelayMs({ ...bank, backoffBaseMs: 250 }, n))).toEqual([250, 500, 1000]);
  });
});

describe("reachesThreshold", () => {
  it("locks exactly at the threshold-th consecutive failure", () => {
    expect([1, 2, 3, 4].map((n) => reachesThreshold(bank, n))).toEqual([false, false, false, false]);
    expect(reachesThreshold(bank, 5)).toBe(true);
    expect(reachesThreshold(bank, 6)).toBe(true);
  });

  it("threshold 1 locks at the first failure; 100 at the hundredth", () => {
    expect(reachesThreshold({ ...bank, lockoutThreshold: 1 }, 1)).toBe(true);
    expect(reachesThreshold({ ...bank, lockoutThreshold: 100 }, 99)).toBe(false);
    expect(reachesThreshold({ ...bank, lockoutThreshold: 100 }, 100)).toBe(true);
  });

  it("zero failures never lock", () => {
    expect(reachesThreshold(bank, 0)).toBe(false);
  });
});

describe("successResets", () => {
  it("a passed MFA always resets", () => {
    expect(successResets("mfa", true)).toBe(true);
    expect(successResets("mfa", false)).toBe(true);
  });

  it("a correct password resets only for a user without MFA", () => {
    expect(successResets("password", false)).toBe(true);
    expect(successResets("password", true)).toBe(false);
  });
});
