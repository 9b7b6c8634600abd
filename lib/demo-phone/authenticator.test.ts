import { describe, expect, it } from "vitest";
import { addEntry, parseAuthenticatorInput, readEntries, secondsLeft, storageKey } from "./authenticator";
import { totpUri } from "@/lib/mfa/totp";

const ALICE = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

function memoryStorage(init: Record<string, string> = {}) {
  const m = new Map(Object.entries(init));
  return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v), m };
}

describe("parseAuthenticatorInput", () => {
  it("reads the bank's own setup link", () => {
    const r = parseAuthenticatorInput(totpUri("bob", ALICE), "bob");
    expect(r).toEqual({ ok: true, entry: { issuer: "MFA Bank", account: "bob", secret: ALICE, digits: 6, period: 30, algorithm: "sha1" } });
  });

  it("takes a bare secret with spaces, lower case and padding", () => {
    const r = parseAuthenticatorInput(" jbsw y3dp ehpk 3pxp jbsw y3dp ehpk 3pxp== ", "alice");
    expect(r).toMatchObject({ ok: true, entry: { secret: ALICE, account: "alice", issuer: "MFA Bank" } });
  });

  it.each([
    ["", "Paste a secret key"],
    ["hello world!", "only the letters A–Z"],
    ["JBSWY3DPEHPK3PXP", "too short"],
    ["A".repeat(200), "too long"],
    ["otpauth://hotp/X:y?secret=" + ALICE, "HOTP"],
    ["otpauth://totp/X:y", "no secret="],
    ["otpauth://totp/X:y?secret=1234", "only the letters"],
    ["otpauth://totp/X:y?secret=" + ALICE + "&digits=7", "6 or 8"],
    ["otpauth://totp/X:y?secret=" + ALICE + "&algorithm=md5", "algorithm"],
    ["otpauth://totp/X:y?secret=" + ALICE + "&period=0", "period"],
    ["otpauth://totp/%E0%A4%A:y?secret=" + ALICE, "garbled"],
    ["otpauth://mail/x?secret=" + ALICE, "time-based"],
    ["x".repeat(3000), "too long"],
  ])("refuses %j with a sentence", (input, words) => {
    const r = parseAuthenticatorInput(input, "alice");
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toContain(words);
  });
});

describe("storage", () => {
  it("adds, replaces the same account, and drops what it cannot read", () => {
    const s = memoryStorage();
    const e = parseAuthenticatorInput(ALICE, "alice");
    if (!e.ok) throw new Error("parse");
    addEntry(s, "alice", e.entry, "1");
    addEntry(s, "alice", e.entry, "2");
    expect(readEntries(s, "alice").map((x) => x.id)).toEqual(["2"]);
    expect(readEntries(s, "bob")).toEqual([]);
    const bad = memoryStorage({ [storageKey("alice")]: JSON.stringify([{ id: "x", secret: "nope" }, 3, null]) });
    expect(readEntries(bad, "alice")).toEqual([]);
    expect(readEntries(memoryStorage({ [storageKey("alice")]: "{not json" }), "alice")).toEqual([]);
  });

  it("counts the seconds left in a period", () => {
    expect(secondsLeft(30, 0)).toBe(30);
    expect(secondsLeft(30, 29_500)).toBe(1);
    expect(secondsLeft(30, 31_000)).toBe(29);
  });
});
