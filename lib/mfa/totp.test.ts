import { generate } from "otplib";
import { describe, expect, it } from "vitest";
import { checkTotp, isWellFormedCode, newTotpSecret, TOTP_PERIOD, totpCode, totpUri } from "./totp";

// RFC 6238 appendix B: the SHA-1 seed is the ASCII string "12345678901234567890".
const RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
const RFC_VECTORS: [number, string][] = [
  [59, "94287082"],
  [1111111109, "07081804"],
  [1111111111, "14050471"],
  [1234567890, "89005924"],
  [2000000000, "69279037"],
  [20000000000, "65353130"],
];

describe("RFC 6238 appendix B (SHA-1)", () => {
  it("the base32 secret is the RFC's ASCII seed", () => {
    expect(Buffer.from("12345678901234567890").toString("hex")).toBe("3132333435363738393031323334353637383930");
  });

  it.each(RFC_VECTORS)("otplib, 8 digits, T=%i → %s", async (t, expected) => {
    expect(await generate({ secret: RFC_SECRET, epoch: t, digits: 8 })).toBe(expected);
  });

  it.each(RFC_VECTORS)("the project's 6-digit code at T=%i is the last six digits of %s", async (t, expected) => {
    expect(await totpCode(RFC_SECRET, t)).toBe(expected.slice(-6));
  });

  it.each(RFC_VECTORS)("checkTotp accepts the RFC code at T=%i with its time step", async (t, expected) => {
    expect(await checkTotp(RFC_SECRET, expected.slice(-6), t)).toEqual({ ok: true, step: Math.floor(t / TOTP_PERIOD) });
  });
});

describe("checkTotp", () => {
  const secret = RFC_SECRET;
  // Positions inside a step: its first second, the middle, its last second.
  const nows = [1111111110, 1111111111, 1111111125, 1111111139];

  it.each(nows)("accepts the previous, current and next step at T=%i", async (now) => {
    const step = Math.floor(now / 30);
    for (const d of [-1, 0, 1]) {
      const code = await totpCode(secret, (step + d) * 30);
      expect(await checkTotp(secret, code, now)).toEqual({ ok: true, step: step + d });
    }
  });

  it.each(nows)("refuses codes two or more steps away at T=%i", async (now) => {
    const step = Math.floor(now / 30);
    const window = new Set(await Promise.all([-1, 0, 1].map((d) => totpCode(secret, (step + d) * 30))));
    for (const d of [-3, -2, 2, 3, 100]) {
      const code = await totpCode(secret, (step + d) * 30);
      if (window.has(code)) continue; // a 1-in-10^6 collision with a code in the window
      expect(await checkTotp(secret, code, now)).toEqual({ ok: false, reason: "wrong code" });
    }
  });

  it("refuses a wrong code", async () => {
    const now = 1111111111;
    const good = await totpCode(secret, now);
    const wrong = String((Number(good) + 1) % 1_000_000).padStart(6, "0");
    expect(await checkTotp(secret, wrong, now)).toEqual({ ok: false, reason: "wrong code" });
  });

  it("refuses a step at or before afterStep (replay), accepts a later one", async () => {
    const now = 1111111111;
    const step = Math.floor(now / 30);
    const prev = await totpCode(secret, (step - 1) * 30);
    const cur = await totpCode(secret, step * 30);
    const next = await totpCode(secret, (step + 1) * 30);
    expect(await checkTotp(secret, cur, now, step)).toEqual({ ok: false, reason: "replayed" });
    expect(await checkTotp(secret, prev, now, step)).toEqual({ ok: false, reason: "replayed" });
    expect(await checkTotp(secret, cur, now, step + 1)).toEqual({ ok: false, reason: "replayed" });
    expect(await checkTotp(secret, next, now, step)).toEqual({ ok: true, step: step + 1 });
    expect(await checkTotp(secret, cur, now, step - 1)).toEqual({ ok: true, step });
    expect(await checkTotp(secret, cur, now, null)).toEqual({ ok: true, step });
    expect(await checkTotp(secret, cur, now, undefined)).toEqual({ ok: true, step });
  });

  it("refuses afterStep 0 replays only at step 0", async () => {
    expect(await checkTotp(secret, "287082", 59, 0)).toEqual({ ok: true, step: 1 });
    expect(await checkTotp(secret, "287082", 59, 1)).toEqual({ ok: false, reason: "replayed" });
  });

  const malformed: [string, unknown][] = [
    ["empty", ""],
    ["5 digits", "12345"],
    ["7 digits", "1234567"],
    ["leading space", " 123456"],
    ["trailing space", "123456 "],
    ["trailing newline", "123456\n"],
    ["full-width digits", "１２３４５６"],
    ["Arabic-Indic digits", "١٢٣٤٥٦"],
    ["letters", "12345a"],
    ["sign", "+12345"],
    ["array", ["123456"]],
    ["nested array", [["123456"]]],
    ["number", 123456],
    ["null", null],
    ["undefined", undefined],
    ["object", { toString: () => "123456" }],
    ["10 KB string", "1".repeat(10 * 1024)],
    ["10 KB with a valid prefix", "287082" + "0".repeat(10 * 1024)],
  ];

  it.each(malformed)("refuses malformed input (%s) without throwing", async (_label, code) => {
    expect(isWellFormedCode(code)).toBe(false);
    expect(await checkTotp(secret, code, 59)).toEqual({ ok: false, reason: "malformed" });
  });

  it("the real code of a well-formed check is accepted (the malformed ones above are not near misses)", async () => {
    expect(isWellFormedCode("287082")).toBe(true);
    expect(await checkTotp(secret, "287082", 59)).toEqual({ ok: true, step: 1 });
  });

  it("a secret otplib cannot use answers 'malformed' instead of throwing", async () => {
    expect(await checkTotp("ABC", "123456", 59)).toEqual({ ok: false, reason: "malformed" });
    expect(await checkTotp("", "123456", 59)).toEqual({ ok: false, reason: "malformed" });
  });
});

describe("secrets and URIs", () => {
  it("newTotpSecret is 160 random bits in base32", () => {
    const a = newTotpSecret();
    expect(a).toMatch(/^[A-Z2-7]{32}$/);
    expect(newTotpSecret()).not.toBe(a);
  });

  it("totpUri is an otpauth URI with the issuer, the user and the secret", () => {
    const uri = new URL(totpUri("alice", RFC_SECRET));
    expect(uri.protocol).toBe("otpauth:");
    expect(uri.searchParams.get("secret")).toBe(RFC_SECRET);
    expect(uri.searchParams.get("issuer")).toBe("MFA Bank");
    expect(decodeURIComponent(uri.pathname)).toContain("alice");
  });
});
