import { describe, expect, it, vi } from "vitest";
import { contentSecurityPolicy, newNonce, sessionCookieName, STATIC_SECURITY_HEADERS } from "./headers";

function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp.split(";").map((d) => {
      const [name, ...values] = d.trim().split(/\s+/);
      return [name!, values];
    }),
  );
}

describe("contentSecurityPolicy", () => {
  it("production: scripts only with this response's nonce, no eval, no inline, no framing", () => {
    const csp = directives(contentSecurityPolicy({ nonce: "abc123==", dev: false, https: false }));
    expect(csp.get("script-src")).toEqual(["'self'", "'nonce-abc123=='", "'strict-dynamic'"]);
    expect(csp.get("script-src")).not.toContain("'unsafe-inline'");
    expect([...csp.values()].flat()).not.toContain("'unsafe-eval'");
    expect(csp.get("frame-ancestors")).toEqual(["'none'"]);
    expect(csp.get("object-src")).toEqual(["'none'"]);
    expect(csp.get("base-uri")).toEqual(["'none'"]);
    expect(csp.get("form-action")).toEqual(["'self'"]);
    expect(csp.has("upgrade-insecure-requests")).toBe(false);
  });

  it("development adds 'unsafe-eval' (React dev tooling) and nothing else for scripts", () => {
    const csp = directives(contentSecurityPolicy({ nonce: "n", dev: true, https: false }));
    expect(csp.get("script-src")).toEqual(["'self'", "'nonce-n'", "'strict-dynamic'", "'unsafe-eval'"]);
  });

  it("https upgrades stray http sub-resources", () => {
    const csp = directives(contentSecurityPolicy({ nonce: "n", dev: false, https: true }));
    expect(csp.has("upgrade-insecure-requests")).toBe(true);
  });
});

describe("newNonce", () => {
  it("is 128 bits of base64 that Next's nonce parser accepts, and never repeats", () => {
    const seen = new Set(Array.from({ length: 1000 }, newNonce));
    expect(seen.size).toBe(1000);
    for (const n of seen) {
      expect(n).toMatch(/^[A-Za-z0-9+/]{22}==$/);
      expect(Buffer.from(n, "base64")).toHaveLength(16);
    }
  });
});

describe("session cookie and static headers", () => {
  it("the cookie gets the __Host- prefix whenever cookies are secure", () => {
    expect(sessionCookieName(true)).toBe("__Host-mfa-bank.session");
    expect(sessionCookieName(false)).toBe("mfa-bank.session");
  });

  it("clickjacking, sniffing and powerful features are refused", () => {
    const h = Object.fromEntries(STATIC_SECURITY_HEADERS.map((x) => [x.key, x.value]));
    expect(h["X-Frame-Options"]).toBe("DENY");
    expect(h["X-Content-Type-Options"]).toBe("nosniff");
    expect(h["Permissions-Policy"]).toContain("camera=()");
  });
});

describe("cookies follow the environment", () => {
  async function envWith(vars: Record<string, string>) {
    const saved = { ...process.env };
    Object.assign(process.env, vars);
    try {
      vi.resetModules();
      const { getEnv } = await import("@/lib/env");
      return getEnv();
    } finally {
      process.env = saved;
      vi.resetModules();
    }
  }

  it("production: Secure and __Host- even if APP_URL was left on http", async () => {
    const env = await envWith({ APP_ENV: "production", APP_URL: "http://bank.example" });
    expect(env.secureCookies).toBe(true);
    expect(sessionCookieName(env.secureCookies)).toBe("__Host-mfa-bank.session");
  });

  it("any https origin: Secure and __Host-", async () => {
    const env = await envWith({ APP_ENV: "test", APP_URL: "https://bank.example" });
    expect(env.secureCookies).toBe(true);
  });

  it("a local http run keeps plain cookies (browsers drop Secure cookies over http)", async () => {
    const env = await envWith({ APP_ENV: "development", APP_URL: "http://localhost:3000" });
    expect(env.secureCookies).toBe(false);
  });
});
