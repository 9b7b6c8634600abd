import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { mails } from "./templates";

/** Every mail, one shape, one greeting style. */
const every = [
  mails.mfaReset("ann"),
  mails.newDevice("ann", { device: "Firefox on Linux", ip: null, at: "2026-12-02 10:00", days: 7, notMeUrl: "https://bank.example/not-me?token=t" }),
  mails.signedOutEverywhere("ann", 1),
  mails.passwordResetLink("ann", "https://bank.example/reset-password?token=t", 30),
  mails.passwordChanged("ann"),
  mails.unlocked("ann"),
  mails.locked("ann", 5, "A bank administrator can unlock it."),
  mails.recoveryCodeUsed("ann", 1),
  mails.passkeyCounterRegressed("ann"),
  mails.recoveryRequestReceived("ann"),
  mails.recoveryRequestDeclined("ann", "We could not reach you."),
  mails.factorAdded("ann", "Passkey"),
  mails.factorRenewed("ann", "Recovery codes"),
  mails.factorRemoved("ann", "Authenticator app", "Phone"),
];

describe("mail templates", () => {
  it("every mail greets by username, signs off as the bank, and has a subject naming MFA Bank or the request", () => {
    for (const m of every) {
      expect(m.body.startsWith("Hello ann,\n\n"), m.subject).toBe(true);
      expect(m.body.endsWith("\n\nMFA Bank"), m.subject).toBe(true);
      expect(m.body).not.toMatch(/\n{3,}|undefined|null|\(s\)/);
      expect(m.subject.length).toBeGreaterThan(10);
    }
  });

  it("the MFA reset mail names every kind of second step, not only an authenticator app", () => {
    const { body } = mails.mfaReset("ann");
    expect(body).toMatch(/passkeys/);
    expect(body).toMatch(/set up a second step again/);
  });

  it("counts are in words a customer reads: one code remains, two codes remain", () => {
    expect(mails.recoveryCodeUsed("ann", 1).body).toContain("1 unused code remains.");
    expect(mails.recoveryCodeUsed("ann", 2).body).toContain("2 unused codes remain.");
    expect(mails.newDevice("ann", { device: "d", ip: null, at: "t", days: 7, notMeUrl: "u" }).body).toContain("IP address: unknown");
  });
});

/** The .ts/.tsx sources under a folder, tests left out. */
function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return /\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) ? [p] : [];
  });
}

describe("every mail the bank sends comes from a template", () => {
  it("each queueMail call in lib/ and app/ spreads one of `mails` and writes no subject or body of its own", () => {
    const calls: string[] = [];
    for (const f of ["lib", "app"].flatMap((d) => sources(path.resolve(d)))) {
      const text = fs.readFileSync(f, "utf8");
      for (const m of text.matchAll(/queueMail\(tx, \{[\s\S]*?\}\);/g)) calls.push(`${path.relative(process.cwd(), f)}: ${m[0]}`);
    }
    expect(calls.length).toBeGreaterThanOrEqual(14);
    for (const call of calls) {
      expect(call).toMatch(/\.\.\.\(?.*mails\.\w+\(/);
      expect(call).not.toMatch(/\b(subject|body):/);
    }
  });
});
