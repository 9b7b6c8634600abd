import { describe, expect, it } from "vitest";
import { normaliseUsername, safeCallbackUrl } from "./sign-in";

describe("safeCallbackUrl", () => {
  it.each([
    ["/dashboard", "/dashboard"],
    ["/dashboard?x=1", "/dashboard?x=1"],
    ["/transfer?to=abc&amount=10", "/transfer?to=abc&amount=10"],
    ["/", "/"],
    ["/a/../b", "/b"],
  ])("keeps the same-origin path %s", (input, expected) => {
    expect(safeCallbackUrl(input)).toBe(expected);
  });

  it("drops the fragment", () => {
    expect(safeCallbackUrl("/dashboard#top")).toBe("/dashboard");
  });

  it.each([
    "//evil.com",
    "//evil.com/dashboard",
    "///evil.com",
    "https://evil.com",
    "http://evil.com/dashboard",
    "/\\evil.com",
    "\\\\evil.com",
    "/\\/evil.com",
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.com",
    "dashboard",
    "",
    " /dashboard",
  ])("sends %s to /dashboard", (input) => {
    expect(safeCallbackUrl(input)).toBe("/dashboard");
  });

  it("never yields a URL that leaves the origin, even with tabs and newlines", () => {
    for (const input of ["/\t/evil.com", "/\n/evil.com", "/\r/evil.com", "/%2F/evil.com", "/%5Cevil.com"]) {
      const out = safeCallbackUrl(input);
      expect(out.startsWith("/")).toBe(true);
      expect(out.startsWith("//")).toBe(false);
      expect(new URL(out, "https://bank.example").origin).toBe("https://bank.example");
    }
  });

  it.each([[undefined], [null], [42], [["/dashboard"]], [{ url: "/x" }]])("non-strings (%j) become /dashboard", (v) => {
    expect(safeCallbackUrl(v)).toBe("/dashboard");
  });
});

describe("normaliseUsername", () => {
  it("trims and lower-cases", () => {
    expect(normaliseUsername("  Alice ")).toBe("alice");
    expect(normaliseUsername("ALICE")).toBe("alice");
  });

  it("folds compatibility forms (NFKC), so look-alike spellings reach one account", () => {
    expect(normaliseUsername("ＡＬＩＣＥ")).toBe("alice"); // full-width
    expect(normaliseUsername("ａｌｉｃｅ")).toBe("alice");
    expect(normaliseUsername("alice\u00a0")).toBe("alice"); // no-break space
  });

  it("is idempotent", () => {
    for (const u of ["Alice", " ＢＯＢ ", "carol", "Ünïcode"]) {
      expect(normaliseUsername(normaliseUsername(u))).toBe(normaliseUsername(u));
    }
  });
});
