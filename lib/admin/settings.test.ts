import { describe, expect, it } from "vitest";
import { z } from "zod";
import { csvField } from "./audit";
import { groupProfileChanges, groupProfileSchema, settingsSchema, toGroupProfile, keepExternalFactors } from "./settings";

const valid = {
  lockoutThreshold: "5",
  lockoutDurationMinutes: "0",
  backoffBaseMs: "1000",
  backoffMaxMs: "300000",
  mfaTokenLifetimeMinutes: "5",
  stepUpAmountMinor: "1,000.00",
  blockAmountMinor: "10000",
  newPayeeHours: "24",
};

const fieldErrorsOf = (e: z.ZodError) => z.flattenError(e).fieldErrors as Record<string, string[] | undefined>;

describe("settingsSchema", () => {
  it("parses whole numbers and decimal amounts into minor units", () => {
    expect(settingsSchema.parse(valid)).toEqual({
      lockoutThreshold: 5,
      lockoutDurationMinutes: 0,
      backoffBaseMs: 1000,
      backoffMaxMs: 300_000,
      mfaTokenLifetimeMinutes: 5,
      stepUpAmountMinor: 100_000,
      blockAmountMinor: 1_000_000,
      newPayeeHours: 24,
    });
  });

  it.each([
    ["lockoutThreshold", "0", "from 1 to 100"],
    ["lockoutThreshold", "101", "from 1 to 100"],
    ["lockoutThreshold", "3.5", "whole number"],
    ["lockoutThreshold", "", "whole number"],
    ["lockoutThreshold", "1e2", "whole number"],
    ["mfaTokenLifetimeMinutes", "61", "from 1 to 60"],
    ["stepUpAmountMinor", "10.001", "like 1000.00"],
    ["stepUpAmountMinor", "-5", "like 1000.00"],
    ["blockAmountMinor", "abc", "like 1000.00"],
  ])("%s = %j is refused with a clear message", (field, value, message) => {
    const r = settingsSchema.safeParse({ ...valid, [field]: value });
    expect(r.success).toBe(false);
    expect(fieldErrorsOf(r.error!)[field]?.[0]).toContain(message);
  });

  it("refuses a block amount at or below the step-up amount, and a backoff cap below the base", () => {
    const r = settingsSchema.safeParse({ ...valid, blockAmountMinor: "1000", backoffMaxMs: "10" });
    expect(r.success).toBe(false);
    const errors = fieldErrorsOf(r.error!);
    expect(errors.blockAmountMinor?.[0]).toContain("above the step-up amount");
    expect(errors.backoffMaxMs?.[0]).toContain("at least the backoff base");
  });
});

describe("group MFA profile", () => {
  it("needs a factor that works on its own for each workflow", () => {
    const r = groupProfileSchema().safeParse({ groupId: "retail", mfaRequired: "on", "signIn.recovery": "on", "stepUp.totp": "on" });
    expect(r.success).toBe(false);
    expect(fieldErrorsOf(r.error!).signInFactors?.[0]).toContain("works on its own");
    expect(fieldErrorsOf(r.error!).stepUpFactors).toBeUndefined();
  });

  it("turns checkboxes into factor lists and diffs them", () => {
    const parsed = groupProfileSchema().parse({ groupId: "retail", "signIn.totp": "on", "signIn.recovery": "on", "stepUp.totp": "on" });
    const next = toGroupProfile(parsed);
    expect(next).toEqual({ groupId: "retail", mfaRequired: false, signInFactors: ["totp", "recovery"], stepUpFactors: ["totp"] });
    const current = { id: "retail", name: "Retail", mfaRequired: true, signInFactors: ["recovery", "totp"], stepUpFactors: ["totp", "recovery"] };
    expect(groupProfileChanges(current, next)).toEqual([
      { field: "mfaRequired", old: true, new: false },
      { field: "stepUpFactors", old: ["totp", "recovery"], new: ["totp"] },
    ]);
  });
});

describe("csvField", () => {
  it("quotes, doubles quotes, and defuses spreadsheet formulas", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField('say "hi", ok')).toBe('"say ""hi"", ok"');
    expect(csvField("=HYPERLINK(\"x\")")).toBe('"\'=HYPERLINK(""x"")"');
    expect(csvField("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvField(null)).toBe("");
    expect(csvField({ a: 1 })).toBe('"{""a"":1}"');
  });
});

describe("external provider factors in a group profile", () => {
  it("are kept when the form (built-in factors only) is saved, and are no change by themselves", () => {
    const current = {
      id: "commercial_ext",
      name: "Commercial (provider)",
      mfaRequired: true,
      signInFactors: ["mock:mobile_push", "mock:sms_otp", "totp"],
      stepUpFactors: ["mock:email_otp", "totp", "recovery"],
    };
    const fromForm = { groupId: "commercial_ext", mfaRequired: true, signInFactors: ["totp"], stepUpFactors: ["totp", "recovery"] };
    expect(groupProfileChanges(current, fromForm)).toEqual([]);
    const kept = keepExternalFactors(current, { ...fromForm, signInFactors: ["totp", "recovery"] });
    expect(kept.signInFactors).toEqual(["mock:mobile_push", "mock:sms_otp", "totp", "recovery"]);
    expect(kept.stepUpFactors).toEqual(["mock:email_otp", "totp", "recovery"]);
  });
});
