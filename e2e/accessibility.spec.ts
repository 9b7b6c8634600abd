import type { Page } from "@playwright/test";
import { answerStepUp, openUser } from "./admin-helpers";
import { expectNoAxeViolations } from "./axe";
import { emailOf, mailLink } from "./mailbox";
import { expect, freshTotp, signIn, signOut, submitLogin, test, waitForHydration } from "./fixtures";
import { addPasskey, addVirtualAuthenticator } from "./webauthn";

/**
 * WCAG 2.2 AA, checked by axe-core on every page and state a customer, an administrator and the
 * demo provider's pages reach: zero violations of any impact. Each state is
 * a soft assertion, so one run lists every page that fails, not just the first.
 */

// axe is injected as a script tag (e2e/axe.ts), which the bank's nonce-based CSP would refuse.
// Only these specs bypass it; e2e/security-headers.spec.ts proves the policy itself.
test.use({ bypassCSP: true });

const check = (page: Page, state: string) => expectNoAxeViolations(page, state);

test("signed out: login, forgot password, a used reset link, a garbage unlock link, the mailbox", async ({ page, makeUser }) => {
  test.setTimeout(60_000); // ten pages, each checked by axe
  const user = await makeUser("retail_totp");
  await page.goto("/login");
  await check(page, "login");
  await test.step("a wrong password shows the error state", async () => {
    await submitLogin(page, user.username, "not the password");
    await expect(page.getByRole("main").getByRole("alert")).toBeVisible();
    await check(page, "login with an error");
  });
  await page.goto("/forgot-password");
  await check(page, "forgot password");
  await waitForHydration(page);
  await page.getByLabel("Username or email").fill(user.username);
  await page.getByRole("button", { name: "Send reset link" }).click();
  await expect(page.getByRole("main").getByRole("status")).toBeVisible();
  await check(page, "forgot password, sent");
  const link = await mailLink(page, emailOf(user), /Reset your MFA Bank password/);
  await check(page, "the demo mailbox");
  await page.goto(link);
  await check(page, "a reset link");
  await page.goto("/reset-password?token=garbage");
  await check(page, "a garbage reset link");
  await page.goto("/unlock?token=garbage");
  await check(page, "a garbage unlock link");
  await page.goto("/no-such-page");
  await check(page, "not found");
});

test("sign-in with each factor, enrolment", async ({ page, browser, makeUser }) => {
  test.setTimeout(60_000);
  const user = await makeUser("retail_totp");
  await signIn(page, user, { mfa: false });
  await check(page, "/mfa with TOTP");
  await test.step("a wrong code shows the error state", async () => {
    await page.getByLabel("6-digit code").fill("000000");
    await page.getByRole("button", { name: "Verify" }).click();
    await expect(page.getByLabel("6-digit code")).toHaveAttribute("aria-invalid", "true");
    await check(page, "/mfa after a wrong code");
  });
  await page.goto("/mfa/recovery-request");
  await check(page, "ask the bank to reset two-step verification");

  await test.step("enrolment", async () => {
    const fresh = await makeUser("retail_new");
    const context = await browser.newContext({ bypassCSP: true });
    try {
      const p = await context.newPage();
      await signIn(p, fresh, { mfa: false });
      await p.waitForURL(/\/mfa\/enrol/);
      await check(p, "enrolment");
    } finally {
      await context.close();
    }
  });
});

test("/mfa with the passkey option and with the recovery-code form; the page after a recovery code", async ({ page, makeUser }) => {
  test.setTimeout(90_000); // a passkey, recovery codes, a sign-out and a sign-in
  const user = await makeUser("retail_totp");
  await signIn(page, user);
  await addVirtualAuthenticator(page);
  await addPasskey(page, "Laptop");
  await page.getByRole("button", { name: "Generate recovery codes" }).click();
  const list = page.getByRole("list", { name: "Your new recovery codes" }).getByRole("listitem");
  await expect(list).toHaveCount(10);
  const codes = await list.allInnerTexts();
  await signOut(page);
  await submitLogin(page, user.username, user.password);
  await page.waitForURL(/\/mfa/);
  await waitForHydration(page);
  await expect(page.getByRole("radio", { name: /^Passkey/ })).toBeVisible();
  await check(page, "/mfa with the passkey option");
  await page.getByRole("radio", { name: /^Passkey/ }).check();
  await expect(page.getByRole("button", { name: "Use a passkey" })).toBeVisible();
  await check(page, "/mfa with the passkey chosen");
  await page.getByRole("radio", { name: /Recovery code/ }).check();
  await expect(page.getByRole("textbox", { name: "Recovery code" })).toBeVisible();
  await check(page, "/mfa with the recovery-code form");
  await page.getByRole("textbox", { name: "Recovery code" }).fill(codes[0]!);
  await page.getByRole("button", { name: "Use recovery code" }).click();
  await page.waitForURL(/\/dashboard$/);
  await expect(page.getByRole("status").filter({ hasText: "You have 9 recovery codes left" })).toBeVisible();
  await check(page, "dashboard after a recovery code");
});

test("sign-in with a push, and the provider's device page", async ({ page, context, makeUser }) => {
  test.setTimeout(60_000); // five axe runs; the demo phone is a larger page than the old device list
  const user = await makeUser("commercial_ext");
  await signIn(page, user, { mfa: false });
  await expect(page.getByRole("button", { name: "Send push" })).toBeVisible();
  await check(page, "/mfa with a push");
  await page.getByRole("button", { name: "Send push" }).click();
  await expect(page.getByTestId("number-to-match")).toHaveText(/^\d{2}$/);
  await check(page, "/mfa waiting for the push");
  const device = await context.newPage();
  await device.goto(`/mock-provider/device?user=${encodeURIComponent(user.username)}`);
  await expect(device.getByRole("article", { name: "Push request" })).toBeVisible();
  await check(device, "the device page with a request");
  await page.getByRole("radio", { name: /code/i }).first().check();
  await check(page, "/mfa with a provider code");
});

test("the bank: dashboard, transfer and its step-up dialog, payees, security", async ({ page, makeUser }) => {
  test.setTimeout(60_000);
  const user = await makeUser("retail_totp");
  await signIn(page, user);
  await check(page, "dashboard");
  await page.goto(`/accounts/${user.accounts[0]!.id}`);
  await check(page, "an account");
  await page.goto("/transfer");
  await check(page, "transfer");
  await test.step("the step-up dialog", async () => {
    await page.getByLabel("To").selectOption({ label: `${user.payee.name} ••${user.payee.accountNumber.slice(-4)}` });
    await page.getByLabel("Amount (EUR)").fill("1500");
    await page.getByRole("button", { name: "Send money" }).click();
    await expect(page.getByRole("dialog", { name: "Confirm it's you" })).toBeVisible();
    await check(page, "transfer with the step-up dialog open");
    const dialog = page.getByRole("dialog", { name: "Confirm it's you" });
    await dialog.getByLabel("6-digit code").fill(await freshTotp(user.totpSecret!));
    await dialog.getByRole("button", { name: "Verify" }).click();
    await expect(page.getByText(/^Sent €1,500\.00/)).toBeVisible();
    await check(page, "transfer done");
  });
  await page.goto("/payees");
  await check(page, "payees");
  await page.goto("/security");
  await check(page, "security");
});

test("the admin console: every page and the dialogs", async ({ page, makeUser }) => {
  test.setTimeout(60_000);
  const admin = await makeUser("admin");
  const user = await makeUser("retail_totp");
  await signIn(page, admin);
  await page.goto("/admin/users");
  await check(page, "admin users");
  await openUser(page, user);
  await check(page, "admin user page");
  await test.step("the reason dialog, then the step-up dialog", async () => {
    await page.getByRole("button", { name: "Reset MFA", exact: true }).click();
    const confirm = page.getByRole("dialog", { name: /^Reset MFA for/ });
    await expect(confirm).toBeVisible();
    await check(page, "admin reason dialog");
    await confirm.getByLabel("Reason").fill("Accessibility check");
    await confirm.getByRole("button", { name: "Reset MFA", exact: true }).click();
    await expect(page.getByRole("dialog", { name: "Confirm it's you" })).toBeVisible();
    await check(page, "admin step-up dialog");
    await answerStepUp(page, admin);
    await check(page, "admin user page after an action");
  });
  for (const path of ["/admin/recovery-requests", "/admin/settings", "/admin/audit"]) {
    await page.goto(path);
    await check(page, path);
  }
});

test("WCAG 2.2 SC 3.3.8: the code field takes a pasted code, as the app shows it, and autofill", async ({ page, context, makeUser }) => {
  const user = await makeUser("retail_totp");
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await signIn(page, user, { mfa: false });
  await waitForHydration(page);
  const field = page.getByLabel("6-digit code");
  // The OS offers a code from SMS or a password manager only to a field marked for it.
  await expect(field).toHaveAttribute("autocomplete", "one-time-code");
  const code = await freshTotp(user.totpSecret!);
  // Copied from an authenticator app, which shows "123 456".
  await page.evaluate((text) => navigator.clipboard.writeText(text), `${code.slice(0, 3)} ${code.slice(3)}`);
  await field.focus();
  await page.keyboard.press("ControlOrMeta+V");
  await expect(field).toHaveValue(code);
  await page.getByRole("button", { name: "Verify" }).click();
  await page.waitForURL((url) => url.pathname === "/dashboard");
});

test("the skip link is the first Tab stop and lands in the page's main; the navigation marks the current page", async ({ page, makeUser }) => {
  const user = await makeUser("retail_totp");
  await signIn(page, user);
  for (const [path, current] of [["/transfer", "Transfer"], [`/accounts/${user.accounts[0]!.id}`, "Accounts"], ["/security", "Security"]] as const) {
    await page.goto(path);
    await waitForHydration(page);
    const nav = page.getByRole("navigation", { name: "Main" });
    await expect(nav.getByRole("link", { name: current })).toHaveAttribute("aria-current", "page");
    await expect(nav.locator('[aria-current="page"]')).toHaveCount(1);
  }
  await page.keyboard.press("Tab");
  const skip = page.getByRole("link", { name: "Skip to main content" });
  await expect(skip).toBeFocused();
  await expect(skip).toBeInViewport();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("main")).toBeFocused();
});

test("links in text are underlined, not told apart by colour alone; the login subtitle matches the policy; the mailbox marks the open one", async ({ page, makeUser }) => {
  test.setTimeout(60_000);
  const user = await makeUser("retail_totp");
  const underlined = async (state: string) => {
    const links = page.getByRole("main").getByRole("link");
    expect(await links.count(), state).toBeGreaterThan(0);
    for (const link of await links.all()) {
      const decoration = await link.evaluate((el) => getComputedStyle(el).textDecorationLine);
      expect(decoration, `${state}: "${await link.innerText()}" (WCAG 2.2 SC 1.4.1)`).toContain("underline");
    }
  };
  await page.goto("/login");
  // Retail and staff must have a second step, commercial may (groups.mfa_required): no promise either way.
  await expect(page.getByText("Your password first, then your second step if you have one. If your account needs one and you haven't set it up yet, we'll help you do that next.")).toBeVisible();
  await underlined("/login");
  await submitLogin(page, user.username, user.password);
  await page.waitForURL(/\/mfa/);
  await underlined("/mfa");
  await page.goto("/mfa/recovery-request");
  await underlined("/mfa/recovery-request");
  await page.goto("/forgot-password");
  await underlined("/forgot-password");
  await waitForHydration(page);
  await page.getByLabel("Username or email").fill(user.username);
  await page.getByRole("button", { name: "Send reset link" }).click();
  await mailLink(page, emailOf(user), /Reset your MFA Bank password/);
  const recipients = page.getByRole("list", { name: "Recipients" });
  await expect(recipients.getByRole("link", { name: new RegExp(`^${emailOf(user).replace(/[.+]/g, "\\$&")}`) })).toHaveAttribute("aria-current", "page");
  await expect(recipients.locator('[aria-current="page"]')).toHaveCount(1);
});
