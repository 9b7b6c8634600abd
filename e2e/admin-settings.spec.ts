import type { Page } from "@playwright/test";
import { answerStepUp, openUser } from "./admin-helpers";
import { expect, formAlert, signIn, submitLogin, test, waitForHydration, type PoolUser } from "./fixtures";

async function setThreshold(page: Page, admin: PoolUser, value: string) {
  await page.goto("/admin/settings");
  await waitForHydration(page);
  const form = page.getByRole("form", { name: "Security policy" });
  if ((await form.getByLabel("Lockout threshold").inputValue()) === value) return; // nothing to change
  await form.getByLabel("Lockout threshold").fill(value);
  await form.getByRole("button", { name: "Save policy" }).click();
  await answerStepUp(page, admin, "Change lockout threshold");
  await expect(form.getByRole("status")).toHaveText("Saved: Lockout threshold.");
}

test("a setting change takes effect and is in the audit log: lockout threshold 3", async ({ browser, makeUser }) => {
  // Two people, six sign-in attempts and three MFA prompts (freshTotp adds its own waits).
  test.setTimeout(60_000);
  const admin = await makeUser("admin");
  const user = await makeUser("commercial");
  const adminPage = await (await browser.newContext()).newPage();
  const userPage = await (await browser.newContext()).newPage();
  await signIn(adminPage, admin);

  // The settings row is global: put the old value back at the end, even when a step failed.
  await adminPage.goto("/admin/settings");
  const before = await adminPage.getByRole("form", { name: "Security policy" }).getByLabel("Lockout threshold").inputValue();
  expect(Number(before)).toBeGreaterThan(3);
  try {
    await test.step("the admin sets the threshold to 3 (with a fresh MFA)", async () => {
      await setThreshold(adminPage, admin, "3");
    });

    await test.step("three wrong passwords now lock an account", async () => {
      for (let i = 0; i < 3; i++) {
        await userPage.goto("/login");
        await submitLogin(userPage, user.username, `wrong-${i}`);
        await expect(formAlert(userPage)).toHaveText("Incorrect username or password.");
      }
      await userPage.goto("/login");
      await submitLogin(userPage, user.username, user.password);
      await expect(formAlert(userPage)).toHaveText("Incorrect username or password.");
      await openUser(adminPage, user, { lockedOnly: true });
    });

    await test.step("the change is in the audit log with old and new value, and in the CSV export", async () => {
      await adminPage.goto(`/admin/audit?action=settings.changed&user=${admin.username}`);
      const event = adminPage.getByRole("table", { name: "Audit events" }).getByRole("row").nth(1);
      await expect(event).toContainText("settings.changed");
      await expect(event).toContainText(admin.username);
      await expect(event).toContainText(`field: lockoutThreshold · old: ${before} · new: 3`);

      const csv = await adminPage.request.get(`/admin/audit/export?action=settings.changed&user=${admin.username}`);
      expect(csv.status()).toBe(200);
      expect(csv.headers()["content-type"]).toContain("text/csv");
      expect(csv.headers()["content-disposition"]).toMatch(/attachment; filename="audit-.*\.csv"/);
      const lines = (await csv.text()).trim().split("\r\n");
      expect(lines[0]).toBe("id,at,action,outcome,actor,subject,ip,session_id,details");
      expect(lines).toHaveLength(2);
      expect(lines[1]).toContain(`settings.changed,ok,${admin.username},`);
      for (const part of ['""field"":""lockoutThreshold""', `""old"":${before}`, '""new"":3']) expect(lines[1]).toContain(part);
    });
  } finally {
    await test.step("put the threshold back", async () => {
      await setThreshold(adminPage, admin, before);
    });
  }
});

test("invalid settings get a clear message per field and change nothing", async ({ page, makeUser }) => {
  const admin = await makeUser("admin");
  await signIn(page, admin);
  await page.goto("/admin/settings");
  await waitForHydration(page);
  const form = page.getByRole("form", { name: "Security policy" });
  const threshold = await form.getByLabel("Lockout threshold").inputValue();
  await form.getByLabel("Lockout threshold").fill("0");
  await form.getByLabel("MFA token lifetime (minutes)").fill("five");
  await form.getByLabel("Block amount (EUR)").fill("10.00");
  await form.getByRole("button", { name: "Save policy" }).click();
  await expect(form.getByText("Lockout threshold: enter a whole number from 1 to 100 attempts.")).toBeVisible();
  await expect(form.getByText("MFA token lifetime: enter a whole number from 1 to 60 minutes.")).toBeVisible();
  await expect(form.getByLabel("Lockout threshold")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByRole("dialog", { name: "Confirm it's you" })).toBeHidden();

  await form.getByLabel("Lockout threshold").fill(threshold);
  await form.getByLabel("MFA token lifetime (minutes)").fill("5");
  await form.getByRole("button", { name: "Save policy" }).click();
  await expect(form.getByText("The block amount must be above the step-up amount")).toBeVisible();
  await expect(page.getByRole("dialog", { name: "Confirm it's you" })).toBeHidden();

  const profile = page.getByRole("form", { name: "MFA profile: Retail customers" });
  await profile.getByRole("checkbox", { name: "Authenticator app" }).first().uncheck();
  await profile.getByRole("button", { name: /Save/ }).click();
  await expect(profile.getByText("Pick at least one factor that works on its own")).toBeVisible();
  await expect(page.getByRole("dialog", { name: "Confirm it's you" })).toBeHidden();

  await page.reload();
  await expect(page.getByRole("form", { name: "Security policy" }).getByLabel("Lockout threshold")).toHaveValue(threshold);
});
