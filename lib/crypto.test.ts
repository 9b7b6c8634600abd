import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { open, randomToken, safeEqual, seal, sha256 } from "./crypto";

const key = randomBytes(32);

describe("seal / open (AES-256-GCM)", () => {
  it("round-trips, with a fresh IV each time", () => {
    const a = seal("JBSWY3DPEHPK3PXP", key, "factor:1");
    const b = seal("JBSWY3DPEHPK3PXP", key, "factor:1");
    expect(a).not.toBe(b);
    expect(a.startsWith("v1.")).toBe(true);
    expect(a).not.toContain("JBSWY3DPEHPK3PXP");
    expect(open(a, key, "factor:1")).toBe("JBSWY3DPEHPK3PXP");
    expect(open(b, key, "factor:1")).toBe("JBSWY3DPEHPK3PXP");
  });

  it("round-trips non-ASCII and long text", () => {
    for (const text of ["a", "ünïcødé ✓ 🔐", "x".repeat(10_000)]) {
      expect(open(seal(text, key, "aad"), key, "aad")).toBe(text);
    }
  });

  it("fails when the additional data differs (a ciphertext moved to another row)", () => {
    const sealed = seal("secret", key, "factor:1");
    expect(() => open(sealed, key, "factor:2")).toThrow();
    expect(() => open(sealed, key, "")).toThrow();
  });

  it("fails with another key", () => {
    const sealed = seal("secret", key, "factor:1");
    expect(() => open(sealed, randomBytes(32), "factor:1")).toThrow();
  });

  it("fails when any part is tampered with", () => {
    const sealed = seal("secret value", key, "factor:1");
    const parts = sealed.split(".");
    for (const i of [1, 2, 3]) {
      const raw = Buffer.from(parts[i]!, "base64url");
      raw[0] ^= 0x01;
      const tampered = [...parts];
      tampered[i] = raw.toString("base64url");
      expect(() => open(tampered.join("."), key, "factor:1")).toThrow();
    }
  });

  // Node's GCM decipher accepts tags of 4–16 bytes unless authTagLength is pinned: a truncated
  // tag must not open (that would be a forgery in ~2^32 tries for whoever can write the column).
  it("refuses a truncated authentication tag", () => {
    const sealed = seal("secret value", key, "factor:1");
    const parts = sealed.split(".");
    for (const n of [4, 8, 12]) {
      const short = [...parts];
      short[2] = Buffer.from(parts[2]!, "base64url").subarray(0, n).toString("base64url");
      expect(() => open(short.join("."), key, "factor:1")).toThrow();
    }
  });

  it("round-trips the empty string", () => {
    expect(open(seal("", key, "aad"), key, "aad")).toBe("");
  });

  it("refuses unknown formats", () => {
    const sealed = seal("secret", key, "a");
    expect(() => open(sealed.replace(/^v1/, "v2"), key, "a")).toThrow(/format/);
    expect(() => open("", key, "a")).toThrow();
    expect(() => open("v1..", key, "a")).toThrow();
  });
});

describe("helpers", () => {
  it("sha256 is deterministic base64url", () => {
    expect(sha256("abc")).toBe("ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
  });

  it("randomToken has the requested entropy", () => {
    expect(Buffer.from(randomToken(), "base64url")).toHaveLength(32);
    expect(Buffer.from(randomToken(16), "base64url")).toHaveLength(16);
    expect(randomToken()).not.toBe(randomToken());
  });

  it("safeEqual compares exactly", () => {
    expect(safeEqual("abc", "abc")).toBe(true);
    expect(safeEqual("abc", "abd")).toBe(false);
    expect(safeEqual("abc", "abcd")).toBe(false);
    expect(safeEqual("", "")).toBe(true);
  });
});
