import { expect, signIn, test } from "./fixtures";

/**
 * WCAG 2.2.1 Timing Adjustable. The browser's clock is Playwright's (page.clock), so minutes
 * pass in an instant; the server's idle timeout runs on the database's clock and is not
 * fast-forwarded — so this proves the browser's side: the warning, "Stay signed in", and the
 * bank signing the session out (reason idle) when nobody answers; navigations and forms sent
 * start its clock again. The server's timeout and the
 * idle reason of a session that simply ran out are proved in lib/auth/sessions.int.test.ts.
 */
const WARNING = "You will be signed out in 2 minutes because you have been inactive.";
const IDLE = "You were signed out because you had been inactive for a while. Sign in again to continue.";

test("2 minutes before the idle timeout a signed-in page warns; Stay signed in keeps the session; nobody answering signs it out with the reason", async ({
  page,
  makeUser,
}) => {
  const user = await makeUser("retail_totp");
  await page.clock.install();
  await signIn(page, user);
  await expect(page.getByRole("heading", { name: `Hello, ${user.displayName}` })).toBeVisible();
  const warning = page.getByRole("alertdialog", { name: "Are you still there?" });

  await test.step("no warning while there is time", async () => {
    await page.clock.fastForward("26:30");
    await expect(warning).toBeHidden();
  });

  await test.step("the warning: a dialog that says why and when, with the focus on Stay signed in", async () => {
    await page.clock.fastForward("01:30"); // 28:00 since the page loaded
    await expect(warning).toBeVisible();
    await expect(warning).toContainText(WARNING);
    await expect(warning.getByRole("button", { name: "Stay signed in" })).toBeFocused();
  });

  await test.step("Stay signed in: the session is touched and the clock starts again", async () => {
    const touched = page.waitForResponse((r) => r.request().method() === "POST" && r.request().headers()["next-action"] !== undefined);
    await warning.getByRole("button", { name: "Stay signed in" }).click();
    expect((await touched).status()).toBe(200);
    await expect(warning).toBeHidden();
    // Past the first deadline (29:00 after the page loaded): still here, still signed in.
    await page.clock.fastForward("02:00");
    await expect(warning).toBeHidden();
    await expect(page).toHaveURL((url) => url.pathname === "/dashboard");
    await page.getByRole("link", { name: "Transfer" }).click();
    await expect(page.getByRole("heading", { name: "Transfer money" })).toBeVisible();
  });

  await test.step("a navigation starts the clock again too", async () => {
    await page.clock.fastForward("26:30");
    await expect(warning).toBeHidden();
  });

  await test.step("a form sent starts the clock again too (the server saw it)", async () => {
    const sent = page.waitForResponse((r) => r.request().method() === "POST" && r.request().headers()["next-action"] !== undefined);
    await page.getByRole("button", { name: "Send money" }).click();
    await sent;
    await page.clock.fastForward("01:30"); // 28:00 since the navigation, 1:30 since the form
    await expect(warning).toBeHidden();
  });

  await test.step("nobody answers: the bank signs out, and /login says why — once", async () => {
    await page.clock.fastForward("26:00");
    await expect(warning).toBeVisible();
    await page.clock.fastForward("01:35");
    await page.waitForURL((url) => url.pathname === "/login");
    await expect(page.getByRole("status").filter({ hasText: IDLE })).toBeVisible();
    await page.reload();
    await expect(page.getByRole("heading", { name: "Sign in to MFA Bank" })).toBeVisible();
    await expect(page.getByText(IDLE)).toHaveCount(0);
  });

  await test.step("the session really ended: the bank's pages send this browser to /login", async () => {
    await page.goto("/dashboard");
    await expect(page).toHaveURL((url) => url.pathname === "/login");
  });
});
