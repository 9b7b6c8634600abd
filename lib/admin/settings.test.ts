import { describe, expect, it } from "vitest";
import { z } from "zod";
import { csvField } from "./audit";
import { baseUrlSchema, providerAuditDetails, providerChangeErrors, providerChanges, providerSchema } from "./providers";
import { groupProfileChanges, groupProfileSchema, keepExternalFactors, toGroupProfile } from "./group-profiles";
import { settingsChanges, settingsSchema, toSettings } from "./settings";

const valid = {
  lockoutThreshold: "5",
  lockoutDurationMinutes: "0",
  backoffBaseSeconds: "1",
  backoffMaxSeconds: "300",
  mfaTokenLifetimeMinutes: "5",
  stepUpAmountMinor: "1,000.00",
  blockAmountMinor: "10000",
  newPayeeHours: "24",
  pushTimeoutSeconds: "120",
  "signInTargetTypes.mobile_push": "on",
  "signInTargetTypes.email_otp": "on",
  "stepUpTargetTypes.mobile_push": "on",
};

const fieldErrorsOf = (e: z.ZodError) => z.flattenError(e).fieldErrors as Record<string, string[] | undefined>;

describe("settingsSchema", () => {
  it("parses whole numbers and decimal amounts into minor units, checkboxes into target lists", () => {
    expect(toSettings(settingsSchema.parse(valid))).toEqual({
      lockoutThreshold: 5,
      lockoutDurationMinutes: 0,
      backoffBaseMs: 1000,
      backoffMaxMs: 300_000,
      mfaTokenLifetimeMinutes: 5,
      stepUpAmountMinor: 100_000,
      blockAmountMinor: 1_000_000,
      newPayeeHours: 24,
      pushTimeoutSeconds: 120,
      signInTargetTypes: ["mobile_push", "email_otp"],
      stepUpTargetTypes: ["mobile_push"],
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
    ["pushTimeoutSeconds", "4", "from 5 to 600 seconds"],
    ["backoffBaseSeconds", "300.001", "seconds from 0 to 300"],
    ["backoffBaseSeconds", "1000", "seconds from 0 to 300"],
    ["backoffBaseSeconds", "-1", "seconds from 0 to 300"],
    ["backoffBaseSeconds", "0.0001", "at most 3 decimals"],
    ["backoffMaxSeconds", "3601", "seconds from 0 to 3600"],
    ["backoffMaxSeconds", "5 min", "seconds from 0 to 3600"],
    ["pushTimeoutSeconds", "601", "from 5 to 600 seconds"],
    ["signInTargetTypes.sms_otp", "yes", "Invalid checkbox value"],
  ])("%s = %j is refused with a clear message", (field, value, message) => {
    const r = settingsSchema.safeParse({ ...valid, [field]: value });
    expect(r.success).toBe(false);
    expect(fieldErrorsOf(r.error!)[field]?.[0]).toContain(message);
  });

  it("takes the backoff in seconds (decimals too) and stores milliseconds", () => {
    const s = toSettings(settingsSchema.parse({ ...valid, backoffBaseSeconds: "0.25", backoffMaxSeconds: "3600" }));
    expect(s.backoffBaseMs).toBe(250);
    expect(s.backoffMaxMs).toBe(3_600_000);
    // The milliseconds field names of before are no form field any more: nothing reads them.
    expect(toSettings(settingsSchema.parse({ ...valid, backoffBaseMs: "5" })).backoffBaseMs).toBe(1000);
  });

  it("refuses a block amount at or below the step-up amount, and a backoff cap below the base", () => {
    const r = settingsSchema.safeParse({ ...valid, blockAmountMinor: "1000", backoffBaseSeconds: "20", backoffMaxSeconds: "10" });
    expect(r.success).toBe(false);
    const errors = fieldErrorsOf(r.error!);
    expect(errors.blockAmountMinor?.[0]).toContain("above the step-up amount");
    expect(errors.backoffMaxSeconds?.[0]).toContain("at least the backoff base");
  });
});

describe("delivery-target types per workflow", () => {
  it("refuses an unknown target type by name instead of dropping it", () => {
    const r = settingsSchema.safeParse({ ...valid, "signInTargetTypes.fax": "on" });
    expect(r.success).toBe(false);
    expect(fieldErrorsOf(r.error!).signInTargetTypes?.[0]).toContain("Unknown delivery-target type: fax");
    expect(fieldErrorsOf(r.error!).stepUpTargetTypes).toBeUndefined();
  });

  it("refuses an empty list for either workflow (disabling the provider is the way to stop using it)", () => {
    const noStepUp: Record<string, string> = { ...valid };
    delete noStepUp["stepUpTargetTypes.mobile_push"];
    const r = settingsSchema.safeParse(noStepUp);
    expect(r.success).toBe(false);
    expect(fieldErrorsOf(r.error!).stepUpTargetTypes?.[0]).toContain("Pick at least one type");
    expect(fieldErrorsOf(r.error!).signInTargetTypes).toBeUndefined();
  });

  it("compares lists as sets: a reordering is no change, a removal is one change with old and new", () => {
    const current = { ...toSettings(settingsSchema.parse(valid)), id: 1, updatedAt: new Date() };
    const reordered = { ...toSettings(settingsSchema.parse(valid)), signInTargetTypes: ["email_otp", "mobile_push"] as never };
    expect(settingsChanges(current, reordered)).toEqual([]);
    const withoutEmail: Record<string, string> = { ...valid };
    delete withoutEmail["signInTargetTypes.email_otp"];
    expect(settingsChanges(current, toSettings(settingsSchema.parse(withoutEmail)))).toEqual([
      { field: "signInTargetTypes", old: ["mobile_push", "email_otp"], new: ["mobile_push"] },
    ]);
  });
});

describe("provider configuration", () => {
  const MOCK = "http://127.0.0.1:3000/mock-provider/api";
  const id = "2b0e3c8e-8a51-4a5e-9d4c-2f7f2b6b1a11";
  const form = { providerId: id, enabled: "on", baseUrl: "", timeoutSeconds: "5", clientId: "", clientSecret: "" };
  const current = {
    id,
    name: "Mock",
    credentialPrefix: "mock",
    enabled: true,
    baseUrl: null,
    clientId: "mfa-bank-1",
    timeoutMs: 5000,
    capabilities: [],
    type: "standard" as const,
    redirectIssuer: null,
    authorizeUrl: null,
    tokenUrl: null,
    jwksUrl: null,
    jwks: null,
    resources: {},
  };

  it("blank base URL = the in-app mock; a URL is trimmed and normalised", () => {
    expect(baseUrlSchema.parse("  ")).toBeNull();
    expect(baseUrlSchema.parse("  HTTPS://Verify.Example.com/api/  ")).toBe("https://verify.example.com/api");
    expect(baseUrlSchema.parse("http://127.0.0.1:8080")).toBe("http://127.0.0.1:8080");
  });

  it.each([
    ["verify.example.com/api", "absolute http:// or https:// URL"],
    ["/mock-provider/api", "absolute http:// or https:// URL"],
    ["ftp://verify.example.com/api", "absolute http:// or https:// URL"],
    ["javascript:alert(1)", "absolute http:// or https:// URL"],
    ["http:verify.example.com", "absolute http:// or https:// URL"],
    ["https://user:pass@verify.example.com/api", "no user name or password"],
    ["https://token@verify.example.com/api", "no user name or password"],
    ["https://verify.example.com/api#frag", "no fragment"],
    ["https://verify.example.com/api#", "no fragment"],
    ["https://verify.example.com/api?tenant=1", "no query string"],
    ["https://verify.example.com/a pi", "no spaces"],
    [`https://verify.example.com/${"a".repeat(600)}`, "at most 512 characters"],
  ])("base URL %j is refused: %s", (value, message) => {
    const r = providerSchema.safeParse({ ...form, baseUrl: value });
    expect(r.success).toBe(false);
    expect(fieldErrorsOf(r.error!).baseUrl?.[0]).toContain(message);
  });

  it.each([
    ["timeoutSeconds", "0.099", "seconds from 0.1 to 30"],
    ["timeoutSeconds", "30.001", "seconds from 0.1 to 30"],
    ["timeoutSeconds", "5000 ms", "seconds from 0.1 to 30"],
    ["providerId", "mock", "Unknown provider"],
    ["clientId", "has space", "no spaces"],
  ])("%s = %j is refused: %s", (field, value, message) => {
    const r = providerSchema.safeParse({ ...form, [field]: value });
    expect(r.success).toBe(false);
    expect(fieldErrorsOf(r.error!)[field]?.[0]).toContain(message);
  });

  it("a change on the same origin needs no secret", () => {
    const next = providerSchema.parse({ ...form, baseUrl: `${MOCK}/`, timeoutSeconds: "2.5" });
    expect(providerChangeErrors(current, next, MOCK)).toBeNull();
    expect(providerChanges(current, next)).toEqual([
      { field: "baseUrl", old: null, new: MOCK },
      { field: "timeoutMs", old: 5000, new: 2500 },
    ]);
  });

  it("a base URL on another origin needs the client id and secret again", () => {
    const next = providerSchema.parse({ ...form, baseUrl: "https://verify.example.com/api" });
    const errors = providerChangeErrors(current, next, MOCK)!;
    expect(errors.clientId?.[0]).toContain("moves to another host (https://verify.example.com)");
    expect(errors.clientSecret?.[0]).toContain("never sent to a new host");
    // Another port is another origin too.
    expect(providerChangeErrors(current, providerSchema.parse({ ...form, baseUrl: "http://127.0.0.1:3001/mock-provider/api" }), MOCK)).not.toBeNull();
    // Only the secret is not enough either.
    expect(providerChangeErrors(current, { ...next, clientSecret: "s3cret" }, MOCK)?.clientId).toBeDefined();
    expect(providerChangeErrors(current, { ...next, clientId: "bank-at-verify", clientSecret: "s3cret" }, MOCK)).toBeNull();
  });

  it("moving back from another host to the in-app mock also needs credentials", () => {
    const elsewhere = { ...current, baseUrl: "https://verify.example.com/api" };
    expect(providerChangeErrors(elsewhere, providerSchema.parse(form), MOCK)?.clientSecret).toBeDefined();
  });

  it("a new client id needs its secret", () => {
    const next = providerSchema.parse({ ...form, clientId: "another-client" });
    expect(providerChangeErrors(current, next, MOCK)?.clientSecret?.[0]).toContain("needs its client secret");
  });

  it("the secret appears in no audit detail, only as changed", () => {
    const next = providerSchema.parse({ ...form, enabled: undefined, clientSecret: "very-secret-value" });
    const changes = providerChanges(current, next);
    expect(changes).toEqual([
      { field: "enabled", old: true, new: false },
      { field: "clientSecret", old: "(hidden)", new: "changed" },
    ]);
    expect(JSON.stringify([changes, providerAuditDetails(next)])).not.toContain("very-secret-value");
    expect(providerAuditDetails(next).clientSecret).toBe("changed");
  });
});

describe("group MFA profile", () => {
  it("needs a factor that works on its own for each workflow", () => {
    const r = groupProfileSchema().safeParse({ groupId: "retail", rememberDeviceDays: "0", mfaRequired: "on", "signIn.recovery": "on", "stepUp.totp": "on" });
    expect(r.success).toBe(false);
    expect(fieldErrorsOf(r.error!).signInFactors?.[0]).toContain("works on its own");
    expect(fieldErrorsOf(r.error!).stepUpFactors).toBeUndefined();
  });

  it("turns checkboxes into factor lists and diffs them", () => {
    const parsed = groupProfileSchema().parse({ groupId: "retail", rememberDeviceDays: "7", "signIn.totp": "on", "signIn.recovery": "on", "stepUp.totp": "on" });
    const next = toGroupProfile(parsed);
    expect(next).toEqual({
      groupId: "retail",
      mfaRequired: false,
      selfUnlock: false,
      phishingResistantOnly: false,
      rememberDeviceDays: 7,
      signInFactors: ["totp", "recovery"],
      stepUpFactors: ["totp"],
    });
    const current = {
      id: "retail",
      name: "Retail",
      mfaRequired: true,
      selfUnlock: true,
      phishingResistantOnly: false,
      rememberDeviceDays: 0,
      signInFactors: ["recovery", "totp"],
      stepUpFactors: ["totp", "recovery"],
    };
    expect(groupProfileChanges(current, next)).toEqual([
      { field: "mfaRequired", old: true, new: false },
      { field: "selfUnlock", old: true, new: false },
      { field: "rememberDeviceDays", old: 0, new: 7 },
      { field: "stepUpFactors", old: ["totp", "recovery"], new: ["totp"] },
    ]);
  });

  it("refuses phishing-resistant only without a passkey for sign-in, and more than 30 remembered days", () => {
    const base = { groupId: "staff", rememberDeviceDays: "0", "signIn.totp": "on", "stepUp.totp": "on" };
    const noPasskey = groupProfileSchema().safeParse({ ...base, phishingResistantOnly: "on" });
    expect(noPasskey.success).toBe(false);
    expect(groupProfileSchema().safeParse({ ...base, phishingResistantOnly: "on", "signIn.passkey": "on" }).success).toBe(true);
    for (const days of ["31", "-1", "1.5", "", "x"]) expect(groupProfileSchema().safeParse({ ...base, rememberDeviceDays: days }).success).toBe(false);
    expect(groupProfileSchema().safeParse({ ...base, rememberDeviceDays: "30" }).success).toBe(true);
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
      selfUnlock: true,
      phishingResistantOnly: false,
      rememberDeviceDays: 0,
      signInFactors: ["mock:mobile_push", "mock:sms_otp", "totp"],
      stepUpFactors: ["mock:email_otp", "totp", "recovery"],
    };
    const fromForm = { groupId: "commercial_ext", mfaRequired: true, selfUnlock: true, phishingResistantOnly: false, rememberDeviceDays: 0, signInFactors: ["totp"], stepUpFactors: ["totp", "recovery"] };
    expect(groupProfileChanges(current, fromForm)).toEqual([]);
    const kept = keepExternalFactors(current, { ...fromForm, signInFactors: ["totp", "recovery"] });
    expect(kept.signInFactors).toEqual(["mock:mobile_push", "mock:sms_otp", "totp", "recovery"]);
    expect(kept.stepUpFactors).toEqual(["mock:email_otp", "totp", "recovery"]);
  });
});
