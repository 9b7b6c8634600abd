import { answerStepUp } from "./admin-helpers";
import { expect, freshTotp, signIn, submitLogin, test, waitForHydration, type PoolUser } from "./fixtures";
import { emailOf, mailCount } from "./mailbox";
import type { Browser, Page } from "@playwright/test";

/**
 * OWASP ASVS 5.0 6.4: a customer who proved the password but lost the
 * device asks the bank; the request grants nothing; an administrator resets (the customer
 * enrols again) or declines with a reason (mailed).
 */

async function fileRequest(page: Page, user: PoolUser, message: string) {
  await page.goto("/login");
  await submitLogin(page, user.username, user.password);
  await page.waitForURL(/\/mfa/);
  const lost = page.getByRole("region", { name: "Lost access to your authenticator?" });
  await expect(lost.getByRole("link", { name: "Use a recovery code" })).toHaveCount(0); // a pool user has no codes
  await lost.getByRole("link", { name: "Ask the bank to reset my two-step verification" }).click();
  await page.waitForURL(/\/mfa\/recovery-request$/);
  await waitForHydration(page);
  await page.getByLabel("What happened?").fill("lost");
  await page.getByRole("button", { name: "Send the request to the bank" }).click();
  await expect(page.getByText("Tell us in a few words what happened (at least 10 characters).")).toBeVisible();
  await page.getByLabel("What happened?").fill(message);
  await page.getByRole("button", { name: "Send the request to the bank" }).click();
  await expect(page.getByText(/^Request sent\./)).toBeVisible();
}

async function openRequestAsAdmin(browser: Browser, admin: PoolUser, user: PoolUser): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await signIn(page, admin);
  await page.goto("/admin/users");
  const nav = page.getByRole("navigation", { name: "Admin" });
  await expect(nav.getByRole("link", { name: /Recovery requests \d+ open/ })).toBeVisible();
  await nav.getByRole("link", { name: /Recovery requests/ }).click();
  await page.waitForURL(/\/admin\/recovery-requests$/);
  const row = page.getByRole("table", { name: "Recovery requests" }).getByRole("row").filter({ hasText: user.username });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText("Open");
  await row.getByRole("link", { name: user.displayName }).click();
  await expect(page.getByRole("heading", { level: 1, name: `Recovery request from ${user.displayName}` })).toBeVisible();
  await waitForHydration(page);
  return page;
}

test("a customer without their device asks the bank; an admin resets their MFA; they enrol again", async ({ page, browser, makeUser }) => {
  test.slow(); // two people, a step-up and an enrolment
  const user = await makeUser("retail_totp");
  const admin = await makeUser("admin");

  await test.step("after the password, /mfa offers to ask the bank; the request is filed and confirmed by mail", async () => {
    await fileRequest(page, user, "My phone was stolen on Monday, with the authenticator app on it.");
    expect(await mailCount(page, emailOf(user), /We received your request/)).toBe(1);
  });

  await test.step("the request grants nothing: the session is still waiting for the second step, and a second request is refused", async () => {
    await page.goto("/dashboard");
    await expect(page).toHaveURL(/\/mfa/);
    await page.goto("/mfa/recovery-request");
    await expect(page.getByText(/Your request is with the bank/)).toBeVisible();
    await expect(page.getByLabel("What happened?")).toHaveCount(0);
  });

  const adminPage = await openRequestAsAdmin(browser, admin, user);

  await test.step("the admin sees what they wrote and their recent sign-ins, and resets their MFA", async () => {
    await expect(adminPage.getByText("My phone was stolen on Monday, with the authenticator app on it.")).toBeVisible();
    const history = adminPage.getByRole("table", { name: "Recent sign-ins and failures" });
    await expect(history.getByRole("row").filter({ hasText: "sign_in.password" }).first()).toBeVisible();
    await adminPage.getByRole("button", { name: "Reset MFA", exact: true }).click();
    const who = `${user.displayName} (${user.username})`;
    const confirm = adminPage.getByRole("dialog", { name: `Reset MFA for ${who}?` });
    await confirm.getByLabel("Reason").fill("Called the customer on the number on file; confirmed the stolen phone.");
    await confirm.getByRole("button", { name: "Reset MFA", exact: true }).click();
    await answerStepUp(adminPage, admin, `Reset MFA for ${who}`);
    await expect(adminPage.getByText(/^MFA reset for /)).toBeVisible();
    await adminPage.goto("/admin/recovery-requests?status=resolved");
    const row = adminPage.getByRole("table", { name: "Recovery requests" }).getByRole("row").filter({ hasText: user.username });
    await expect(row).toContainText("Resolved: MFA reset");
  });

  await test.step("the customer signs in and must set up two-step verification again", async () => {
    await page.goto("/login");
    await submitLogin(page, user.username, user.password);
    await page.waitForURL(/\/mfa\/enrol/);
    await waitForHydration(page);
    const secret = (await page.getByTestId("totp-secret").getAttribute("data-secret"))!;
    await page.getByLabel("Code from your app").fill(await freshTotp(secret));
    await page.getByRole("button", { name: "Activate" }).click();
    await page.waitForURL(/\/security\?enrolled=1/);
  });
});

test("an admin declines a recovery request with a reason the customer receives", async ({ page, browser, makeUser }) => {
  test.slow();
  const user = await makeUser("retail_totp");
  const admin = await makeUser("admin");
  await fileRequest(page, user, "I think I lost my phone somewhere in town yesterday.");
  const adminPage = await openRequestAsAdmin(browser, admin, user);
  const who = `${user.displayName} (${user.username})`;
  await adminPage.getByRole("button", { name: "Decline request", exact: true }).click();
  const confirm = adminPage.getByRole("dialog", { name: `Decline the recovery request of ${who}?` });
  await confirm.getByLabel("Reason").fill("We could not reach you on the number we hold. Please call us from it.");
  await confirm.getByRole("button", { name: "Decline request", exact: true }).click();
  await answerStepUp(adminPage, admin, `Decline the recovery request of ${who}`);
  await expect(adminPage.getByText("Request declined. The user was e-mailed your reason.")).toBeVisible();

  await page.goto(`/mock-provider/mailbox?to=${encodeURIComponent(emailOf(user))}`);
  const mail = page.getByRole("article", { name: /was declined/ });
  await expect(mail).toContainText("We could not reach you on the number we hold. Please call us from it.");

  await test.step("the customer's factor still works, and they may ask again", async () => {
    await page.goto("/mfa/recovery-request");
    await expect(page.getByLabel("What happened?")).toBeVisible();
    await page.goto("/mfa");
    await waitForHydration(page);
    await page.getByLabel("6-digit code").fill(await freshTotp(user.totpSecret!));
    await page.getByRole("button", { name: "Verify" }).click();
    await page.waitForURL(/\/dashboard/);
  });
});
