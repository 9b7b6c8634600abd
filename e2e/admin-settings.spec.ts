import type { Browser, Page } from "@playwright/test";
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
  test.setTimeout(90_000);
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

// ─── Delivery-target types and provider configuration ──────────────────────────────────

const ALL_TARGETS = '["mobile_push","sms_otp","voice_otp","email_otp"]';

/** Checks or unchecks "Text message (SMS)" for sign-in and saves it with a fresh MFA. */
async function setSignInSms(page: Page, admin: PoolUser, on: boolean) {
  await page.goto("/admin/settings");
  await waitForHydration(page);
  const form = page.getByRole("form", { name: "Security policy" });
  const sms = form.getByRole("group", { name: "Sign-in", exact: true }).getByRole("checkbox", { name: "Text message (SMS)" });
  if ((await sms.isChecked()) === on) return;
  await sms.setChecked(on);
  await form.getByRole("button", { name: "Save policy" }).click();
  await answerStepUp(page, admin, "Change sign-in delivery targets");
  await expect(form.getByRole("status")).toHaveText("Saved: Sign-in delivery targets.");
}

/** Turns the in-app mock provider on or off with a fresh MFA. */
async function setMockProviderEnabled(page: Page, admin: PoolUser, on: boolean) {
  await page.goto("/admin/settings");
  await waitForHydration(page);
  const form = page.getByRole("form", { name: "Provider: Mock provider" });
  const enabled = form.getByRole("checkbox", { name: /^Enabled/ });
  if ((await enabled.isChecked()) === on) return;
  await enabled.setChecked(on);
  await form.getByRole("button", { name: "Save Mock provider" }).click();
  await answerStepUp(page, admin, `Change Mock provider: ${on ? "enabled" : "disabled"}`);
  await expect(form.getByRole("status")).toHaveText(`Saved: ${on ? "enabled" : "disabled"}.`);
}

function methods(page: Page) {
  return page.getByRole("radiogroup").getByRole("radio");
}

/** The newest code the mock provider "delivered" to `user`, read from its device page. */
async function deliveredCode(browser: Browser, user: PoolUser): Promise<string> {
  const context = await browser.newContext();
  try {
    const device = await context.newPage();
    await device.goto(`/mock-provider/device?user=${encodeURIComponent(user.username)}`);
    const text = await device.getByRole("article", { name: "Delivered code" }).first().textContent();
    return /code is (\d{6})/.exec(text ?? "")![1]!;
  } finally {
    await context.close();
  }
}

test("an admin removes SMS from sign-in: the next sign-in no longer offers it, a stale page cannot use it, and the audit log has old and new", async ({
  browser,
  makeUser,
}) => {
  test.setTimeout(90_000); // a long journey; TOTP codes never wait (freshTotp moves the clock here: this project runs alone)
  const admin = await makeUser("admin");
  const user = await makeUser("commercial_ext");
  const adminPage = await (await browser.newContext()).newPage();
  const userPage = await (await browser.newContext()).newPage();
  await signIn(adminPage, admin);
  try {
    await test.step("before: every target type is allowed, and the customer's /mfa offers a text message", async () => {
      await adminPage.goto("/admin/settings");
      const signInTypes = adminPage.getByRole("form", { name: "Security policy" }).getByRole("group", { name: "Sign-in", exact: true });
      for (const name of ["Push notification", "Text message (SMS)", "Voice call", "E-mail code"]) {
        await expect(signInTypes.getByRole("checkbox", { name })).toBeChecked();
      }
      await signIn(userPage, user, { mfa: false });
      await expect(userPage).toHaveURL(/\/mfa/);
      await waitForHydration(userPage);
      await expect(methods(userPage)).toHaveCount(3);
      await expect(userPage.getByRole("radio", { name: /^Text message/ })).toHaveCount(1);
    });

    await test.step("the admin unchecks Text message (SMS) for sign-in (with a fresh MFA)", async () => {
      await setSignInSms(adminPage, admin, false);
    });

    await test.step("the page opened before the change cannot use SMS any more; nothing is counted", async () => {
      await userPage.getByRole("radiogroup").getByRole("radio", { name: /^Text message/ }).check();
      await expect(userPage.getByText("That method is not available for this verification. Pick another one.").first()).toBeVisible();
      await expect(userPage.getByTestId("countdown")).toHaveCount(0);
    });

    await test.step("reloaded, /mfa offers push and e-mail only, and the e-mail code still signs in", async () => {
      await userPage.reload();
      await waitForHydration(userPage);
      await expect(methods(userPage)).toHaveCount(2);
      await expect(userPage.getByRole("radio", { name: /^Text message/ })).toHaveCount(0);
      await userPage.getByRole("radiogroup").getByRole("radio", { name: /^E-mail code/ }).check();
      await userPage.getByRole("button", { name: "Send code" }).click();
      await expect(userPage.getByRole("textbox", { name: "6-digit code" })).toBeVisible();
      await userPage.getByRole("textbox", { name: "6-digit code" }).fill(await deliveredCode(browser, user));
      await userPage.getByRole("button", { name: "Verify" }).click();
      await userPage.waitForURL((url) => url.pathname === "/dashboard");
    });

    await test.step("the audit log shows the change with the old and the new list", async () => {
      await adminPage.goto(`/admin/audit?action=settings.changed&user=${admin.username}`);
      const event = adminPage.getByRole("table", { name: "Audit events" }).getByRole("row").nth(1);
      await expect(event).toContainText(admin.username);
      await expect(event).toContainText(`field: signInTargetTypes · old: ${ALL_TARGETS} · new: ["mobile_push","voice_otp","email_otp"]`);
    });
  } finally {
    await test.step("put SMS back", async () => {
      await setSignInSms(adminPage, admin, true);
    });
  }
});

test("a disabled provider: its customers get a clear message and no session, nothing counts; re-enabled, they sign in again", async ({
  browser,
  makeUser,
}) => {
  test.setTimeout(90_000); // a long journey; TOTP codes never wait (freshTotp moves the clock here: this project runs alone)
  const admin = await makeUser("admin");
  const user = await makeUser("commercial_ext");
  const adminPage = await (await browser.newContext()).newPage();
  const userPage = await (await browser.newContext()).newPage();
  await signIn(adminPage, admin);
  try {
    await test.step("the customer's /mfa is open with the provider's methods when the admin disables it", async () => {
      await signIn(userPage, user, { mfa: false });
      await expect(userPage).toHaveURL(/\/mfa/);
      await waitForHydration(userPage);
      await expect(methods(userPage)).toHaveCount(3);
      await setMockProviderEnabled(adminPage, admin, false);
    });

    await test.step("the open page can no longer answer with it", async () => {
      await userPage.getByRole("radiogroup").getByRole("radio", { name: /^E-mail code/ }).check();
      await expect(userPage.getByText("That method is not available for this verification. Pick another one.").first()).toBeVisible();
    });

    await test.step("a new sign-in: the password is right, but the page says the method is unavailable — and no session", async () => {
      const fresh = await (await browser.newContext()).newPage();
      await signIn(fresh, user, { mfa: false });
      await expect(fresh).toHaveURL(/\/mfa/);
      await expect(fresh.getByRole("main").getByRole("alert")).toHaveText(
        "Push notification, Text message, E-mail code: this method is unavailable at the moment. Ask the bank to reset your two-step verification below.",
      );
      await expect(fresh.getByRole("radiogroup")).toHaveCount(0);
      // Not a dead end: the way out the message names is there.
      await expect(
        fresh.getByRole("region", { name: "Lost access to your authenticator?" }).getByRole("link", { name: "Ask the bank to reset my two-step verification" }),
      ).toBeVisible();
      for (const path of ["/dashboard", "/transfer", "/security"]) {
        await fresh.goto(path);
        await expect(fresh, path).toHaveURL(/\/mfa/);
      }
    });

    await test.step("nothing was counted against the customer: no failed attempt, not locked", async () => {
      await adminPage.goto(`/admin/users/${user.id}`);
      await expect(adminPage.locator("dt", { hasText: "Failed attempts" }).locator("xpath=following-sibling::dd[1]")).toHaveText("0");
      await expect(adminPage.locator("dt", { hasText: "Status" }).locator("xpath=following-sibling::dd[1]")).not.toContainText("Locked");
    });

    await test.step("the audit log shows who disabled which provider", async () => {
      await adminPage.goto(`/admin/audit?action=provider.changed&user=${admin.username}`);
      const event = adminPage.getByRole("table", { name: "Audit events" }).getByRole("row").nth(1);
      await expect(event).toContainText("provider: mock · field: enabled · old: true · new: false");
    });

    await test.step("re-enabled, the same customer signs in with an e-mail code: no lock, no delay was earned", async () => {
      await setMockProviderEnabled(adminPage, admin, true);
      await userPage.reload();
      await waitForHydration(userPage);
      await expect(methods(userPage)).toHaveCount(3);
      await userPage.getByRole("radiogroup").getByRole("radio", { name: /^E-mail code/ }).check();
      await userPage.getByRole("button", { name: "Send code" }).click();
      await expect(userPage.getByRole("textbox", { name: "6-digit code" })).toBeVisible();
      await userPage.getByRole("textbox", { name: "6-digit code" }).fill(await deliveredCode(browser, user));
      await userPage.getByRole("button", { name: "Verify" }).click();
      await userPage.waitForURL((url) => url.pathname === "/dashboard");
    });
  } finally {
    await test.step("the provider is enabled again", async () => {
      await setMockProviderEnabled(adminPage, admin, true);
    });
  }
});

/** Sets the in-app mock provider's type with a fresh MFA. */
async function setMockProviderType(page: Page, admin: PoolUser, type: "standard" | "redirect") {
  await page.goto("/admin/settings");
  await waitForHydration(page);
  const form = page.getByRole("form", { name: "Provider: Mock provider" });
  const select = form.getByLabel("Type");
  if ((await select.inputValue()) === type) return;
  await select.selectOption(type);
  await form.getByRole("button", { name: "Save Mock provider" }).click();
  await answerStepUp(page, admin, "Change Mock provider: type");
  await expect(form.getByRole("status")).toHaveText("Saved: type.");
}

test("the mock provider switched to the redirect type: its customers approve on its page; switched back, push and codes again", async ({ browser, makeUser }) => {
  test.setTimeout(90_000);
  const admin = await makeUser("admin");
  const user = await makeUser("commercial_ext");
  const adminPage = await (await browser.newContext()).newPage();
  await signIn(adminPage, admin);
  try {
    await test.step("the admin sets the type to redirect (stepped up)", async () => {
      await setMockProviderType(adminPage, admin, "redirect");
    });
    await test.step("the customer is sent to the provider's page and comes back signed in", async () => {
      const userPage = await (await browser.newContext()).newPage();
      await signIn(userPage, user, { mfa: false });
      await waitForHydration(userPage);
      await expect(userPage.getByRole("main").getByRole("alert")).toHaveCount(0); // push/codes are not "unavailable"
      await userPage.getByRole("link", { name: "Continue to Mock provider" }).click();
      await userPage.waitForURL((url) => url.pathname === "/mock-provider/authorize");
      await expect(userPage.getByTestId("provider-asks")).toHaveText(`Sign in to MFA Bank as ${user.username}`);
      await userPage.getByRole("button", { name: "Approve" }).click();
      await userPage.waitForURL((url) => url.pathname === "/dashboard");
    });
    await test.step("the audit log has the change, old and new", async () => {
      await adminPage.goto(`/admin/audit?action=provider.changed&user=${admin.username}`);
      const event = adminPage.getByRole("table", { name: "Audit events" }).getByRole("row").nth(1);
      await expect(event).toContainText("provider: mock · field: type · old: standard · new: redirect");
    });
  } finally {
    await test.step("back to standard: push and codes are offered again", async () => {
      await setMockProviderType(adminPage, admin, "standard");
      const again = await (await browser.newContext()).newPage();
      await signIn(again, user, { mfa: false });
      await waitForHydration(again);
      await expect(methods(again)).toHaveCount(3);
    });
  }
});
