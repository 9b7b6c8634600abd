import { expect, signIn, test } from "./fixtures";

/**
 * A nonce-based Content-Security-Policy without 'unsafe-eval', no framing, a
 * referrer policy, a permissions policy, and a session cookie the page's scripts cannot read.
 * (Secure + the __Host- prefix apply over https/production: lib/security/headers.test.ts.)
 */

function nonceOf(csp: string): string {
  const m = /script-src [^;]*'nonce-([A-Za-z0-9+/=]+)'/.exec(csp);
  if (!m) throw new Error(`no script nonce in CSP: ${csp}`);
  return m[1]!;
}

test("every page answers with a fresh-nonce CSP that its own scripts carry", async ({ request }) => {
  for (const path of ["/login", "/forgot-password", "/mock-provider/mailbox"]) {
    await test.step(path, async () => {
      const [a, b] = [await request.get(path), await request.get(path)];
      expect(a.status()).toBe(200);
      const csp = a.headers()["content-security-policy"] ?? "";
      expect(csp).toContain("'strict-dynamic'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("object-src 'none'");
      expect(csp).not.toContain("unsafe-eval");
      expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
      const nonce = nonceOf(csp);
      expect(nonceOf(b.headers()["content-security-policy"] ?? ""), "a new nonce per response").not.toBe(nonce);

      // Every script tag in the HTML carries this response's nonce (else the page would break).
      const html = await a.text();
      const scripts = html.match(/<script\b[^>]*>/g) ?? [];
      expect(scripts.length).toBeGreaterThan(0);
      for (const tag of scripts) expect(tag, tag).toContain(`nonce="${nonce}"`);

      const h = a.headers();
      expect(h["x-frame-options"]).toBe("DENY");
      expect(h["x-content-type-options"]).toBe("nosniff");
      expect(h["referrer-policy"]).toBe("same-origin");
      expect(h["permissions-policy"]).toContain("camera=()");
    });
  }
  await test.step("a reset or unlock link page sends no referrer", async () => {
    for (const path of ["/reset-password?token=x", "/unlock?token=x"]) {
      const res = await request.get(path);
      expect(res.headers()["referrer-policy"], path).toBe("no-referrer");
    }
  });
  await test.step("the early redirect carries the headers too", async () => {
    const res = await request.get("/dashboard", { maxRedirects: 0 });
    expect(res.status()).toBe(307);
    expect(res.headers()["content-security-policy"]).toContain("frame-ancestors 'none'");
  });
});

test("the signed-in app runs under the policy, injected markup does not run, and the cookie is HttpOnly + SameSite", async ({ page, context, makeUser }) => {
  const user = await makeUser("retail_totp");
  await page.addInitScript(() => {
    const w = window as unknown as { __csp: string[] };
    w.__csp = [];
    document.addEventListener("securitypolicyviolation", (e) => w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });

  await test.step("sign in with TOTP and open a page with client components", async () => {
    await signIn(page, user);
    await expect(page).toHaveURL(/\/dashboard$/);
    await page.goto("/transfer");
    await expect(page.getByRole("heading", { name: "Transfer money" })).toBeVisible();
    expect(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)).toEqual([]);
  });

  await test.step("an injected inline handler (the classic XSS payload) is blocked", async () => {
    await page.evaluate(() => {
      document.body.insertAdjacentHTML("beforeend", `<img src="/nonexistent.png" onerror="window.__pwned = 1">`);
    });
    await expect.poll(() => page.evaluate(() => (window as unknown as { __csp: string[] }).__csp.join("\n"))).toContain("script-src");
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  });

  await test.step("the session cookie is out of reach of scripts and cross-site requests", async () => {
    const cookie = (await context.cookies()).find((c) => c.name === "mfa-bank.session");
    expect(cookie).toBeDefined();
    expect(cookie!.httpOnly).toBe(true);
    expect(cookie!.sameSite).toBe("Lax");
    expect(cookie!.path).toBe("/");
    expect(await page.evaluate(() => document.cookie)).not.toContain("mfa-bank.session");
  });
});

test("no page of the bank can be framed by another site", async ({ page }) => {
  await page.setContent(`<iframe id="f" src="${test.info().project.use.baseURL}/login"></iframe>`);
  // The browser refuses the document (frame-ancestors 'none') and shows its own error page
  // in the frame instead: the sign-in form never appears there.
  const framed = () => page.frames().find((f) => f !== page.mainFrame());
  await expect.poll(() => framed()?.url()).toMatch(/^chrome-error:/);
  await expect(page.frameLocator("#f").getByRole("heading", { name: "Sign in to MFA Bank" })).toHaveCount(0);
});
