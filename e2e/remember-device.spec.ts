import type { Page } from "@playwright/test";
import { confirmUserAction, openUser } from "./admin-helpers";
import { expect, freshTotp, signIn, signOut, submitLogin, test, waitForHydration, type PoolUser } from "./fixtures";
import { sendToPayeeWithStepUp } from "./transfer-helpers";

// "Don't ask for a code on this browser for N days" (the pool's e2e_remember group: 7 days).

const REMEMBER = /Don't ask for a code on this browser for 7 days/;

/** Password, then the code with the box ticked. */
async function signInRemembering(page: Page, user: PoolUser) {
  await page.goto("/login");
  await submitLogin(page, user.username, user.password);
  await page.waitForURL(/\/mfa/);
  await waitForHydration(page);
  await page.getByRole("checkbox", { name: REMEMBER }).check();
  await page.getByRole("textbox", { name: "6-digit code" }).fill(await freshTotp(user.totpSecret!, new URL(page.url()).origin));
  await page.getByRole("button", { name: "Verify" }).click();
  await page.waitForURL(/\/dashboard$/);
}

/** Password only: lands on the dashboard when the browser is remembered, on /mfa otherwise. */
async function passwordOnly(page: Page, user: PoolUser): Promise<string> {
  await page.goto("/login");
  await submitLogin(page, user.username, user.password);
  await page.waitForURL((url) => url.pathname !== "/login");
  return new URL(page.url()).pathname;
}

test("a remembered browser skips the sign-in code but not a €1,500 step-up; a recovery code and an admin reset forget it", async ({ browser, makeUser }) => {
  test.setTimeout(120_000);
  const user = await makeUser("remembering");
  const admin = await makeUser("admin");
  const page = await (await browser.newContext()).newPage();

  let codes: string[] = [];
  await test.step("ticked at the code step, the next sign-in on this browser asks the password only", async () => {
    await signInRemembering(page, user);
    // Recovery codes now, while the second step is fresh: a remembered sign-in gives no MFA time, so /security would ask for one.
    await page.goto("/security");
    await waitForHydration(page);
    await page.getByRole("button", { name: "Generate recovery codes" }).click();
    const list = page.getByRole("list", { name: "Your new recovery codes" });
    await expect(list.getByRole("listitem")).toHaveCount(10);
    codes = await list.getByRole("listitem").allInnerTexts();
    await signOut(page);
    expect(await passwordOnly(page, user)).toBe("/dashboard");
  });

  await test.step("the security centre lists it; the sign-in history says the step was skipped", async () => {
    await page.goto("/security/activity");
    await expect(page.getByRole("list", { name: "Remembered browsers" }).getByRole("listitem")).toHaveCount(1);
    await expect(page.getByRole("list", { name: "Sign-in history" })).toContainText("Second step skipped: a browser you chose to remember");
  });

  await test.step("a €1,500 transfer still asks for a code", async () => {
    const dialog = await sendToPayeeWithStepUp(page, user, "1500");
    await expect(dialog.getByRole("textbox", { name: "6-digit code" })).toBeVisible();
    await page.keyboard.press("Escape"); // the dialog closes; nothing was sent
    await expect(dialog).toBeHidden();
  });

  await test.step("a recovery code used on another browser forgets every remembered browser", async () => {
    const other = await (await browser.newContext()).newPage();
    await other.goto("/login");
    await submitLogin(other, user.username, user.password);
    await other.waitForURL(/\/mfa/);
    await waitForHydration(other);
    await other.getByRole("radio", { name: /Recovery code/ }).check();
    await other.getByRole("textbox", { name: "Recovery code" }).fill(codes[0]!);
    await other.getByRole("button", { name: "Use recovery code" }).click();
    await other.waitForURL(/\/dashboard$/);
    await signOut(page);
    expect(await passwordOnly(page, user)).toBe("/mfa");
  });

  await test.step("remembered again, then an admin's MFA reset forgets it (audited)", async () => {
    await waitForHydration(page);
    await page.getByRole("textbox", { name: "6-digit code" }).fill(await freshTotp(user.totpSecret!, new URL(page.url()).origin));
    await page.getByRole("checkbox", { name: REMEMBER }).check();
    await page.getByRole("button", { name: "Verify" }).click();
    await page.waitForURL(/\/dashboard$/);
    const adminPage = await (await browser.newContext()).newPage();
    await signIn(adminPage, admin);
    await openUser(adminPage, user);
    // The admin sees the remembered browser (read-only) before the reset, and none after it.
    await expect(adminPage.getByRole("table", { name: "Remembered browsers" }).getByRole("row")).toHaveCount(2);
    await confirmUserAction(adminPage, admin, user, {
      button: "Reset MFA",
      title: "Reset MFA for",
      submit: "Reset MFA",
      stepUp: "Reset MFA for",
      reason: "Phone lost; identity checked in branch",
    });
    await openUser(adminPage, user);
    await expect(adminPage.getByText("No remembered browser.")).toBeVisible();
    await adminPage.goto(`/admin/audit?action=remembered_device.revoked&user=${user.username}`);
    const rows = adminPage.getByRole("table", { name: "Audit events" }).getByRole("row");
    await expect(rows.filter({ hasText: "mfa_reset" })).toHaveCount(1);
    await expect(rows.filter({ hasText: "recovery_code_used" })).toHaveCount(1);
  });
});

test("a forged remember cookie is ignored: the code is simply asked", async ({ page, makeUser }) => {
  const user = await makeUser("remembering");
  const url = String(test.info().project.use.baseURL);
  await page.context().addCookies([{ name: "mfa-bank.remember", value: "00000000-0000-4000-8000-000000000000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", url }]);
  expect(await passwordOnly(page, user)).toBe("/mfa");
  await expect(page.getByRole("checkbox", { name: REMEMBER })).toBeVisible();
});
