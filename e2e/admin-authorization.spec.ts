import type { APIRequestContext, Browser, Page } from "@playwright/test";
import { expect, signIn, test, type PoolUser } from "./fixtures";
import { actionId, callAction } from "./server-actions";

/**
 * Every admin page, route handler and server action checks the role itself: a customer with a
 * fully signed-in session, and an admin whose MFA is still pending, are refused by each — and
 * nothing changes. (proxy.ts only redirects visitors without any cookie; it is not the check.)
 */

const USERS_ACTIONS = "app/admin/users/actions.ts";
const SETTINGS_ACTIONS = "app/admin/settings/actions.ts";

// Any id: the role is checked before the provider is looked up. The control test uses the real one.
const SOME_PROVIDER_ID = "00000000-0000-4000-8000-000000000001";

function attacks(victim: PoolUser, providerId = SOME_PROVIDER_ID): { file: string; name: string; fields: Record<string, string> }[] {
  const target = { userId: victim.id, reason: "not allowed" };
  return [
    { file: USERS_ACTIONS, name: "resetUserMfa", fields: target },
    { file: USERS_ACTIONS, name: "unlockUser", fields: target },
    { file: USERS_ACTIONS, name: "endUserSessions", fields: target },
    // A grant id does not help: the role is checked before any grant is looked at.
    { file: USERS_ACTIONS, name: "resetUserMfa", fields: { ...target, grantId: "00000000-0000-4000-8000-000000000000" } },
    {
      file: SETTINGS_ACTIONS,
      name: "updateSettings",
      fields: {
        lockoutThreshold: "100",
        lockoutDurationMinutes: "1",
        backoffBaseSeconds: "0",
        backoffMaxSeconds: "0",
        mfaTokenLifetimeMinutes: "60",
        stepUpAmountMinor: "999999",
        blockAmountMinor: "9999999",
        newPayeeHours: "0",
        pushTimeoutSeconds: "600",
        "signInTargetTypes.sms_otp": "on",
        "stepUpTargetTypes.sms_otp": "on",
      },
    },
    // Would switch the provider off ("enabled" absent), or send its secret to another host.
    { file: SETTINGS_ACTIONS, name: "updateProvider", fields: { providerId, baseUrl: "", timeoutSeconds: "5" } },
    // Would switch MFA off for the retail group.
    { file: SETTINGS_ACTIONS, name: "updateGroupProfile", fields: { groupId: "retail", rememberDeviceDays: "0", "signIn.totp": "on", "stepUp.totp": "on" } },
  ];
}

function pages(victim: PoolUser): string[] {
  return ["/admin", "/admin/users", `/admin/users?q=${victim.username}`, `/admin/users/${victim.id}`, "/admin/settings", "/admin/audit"];
}

async function expectRefused(page: Page, request: APIRequestContext, victim: PoolUser, who: { redirect: RegExp; exportStatus: number; actionAnswer: string }) {
  await test.step("pages redirect away and show nothing of the admin console", async () => {
    // Plain and RSC requests for every page (cheap); one real navigation to see where it lands.
    for (const path of pages(victim)) {
      const res = await request.get(path, { maxRedirects: 0 });
      expect(res.status(), path).toBeGreaterThanOrEqual(300);
      expect(res.status(), path).toBeLessThan(400);
      expect(res.headers()["location"], path).toMatch(who.redirect);
      const rsc = await request.get(path, { headers: { RSC: "1" }, maxRedirects: 0 });
      expect(await rsc.text(), path).not.toContain(victim.username);
    }
    await page.goto(`/admin/users/${victim.id}`);
    await expect(page).toHaveURL(who.redirect);
    await expect(page.getByText(victim.username)).toBeHidden();
  });

  await test.step("the CSV export route refuses", async () => {
    const res = await request.get("/admin/audit/export", { maxRedirects: 0 });
    expect(res.status()).toBe(who.exportStatus);
    expect(res.headers()["content-type"]).not.toContain("text/csv");
    expect(await res.text()).not.toContain("action,outcome");
  });

  await test.step("each admin server action called directly is refused without running", async () => {
    for (const a of attacks(victim)) {
      const res = await callAction(request, "/admin/users", actionId(a.file, a.name), a.fields);
      expect(res.status, `${a.name}`).toBeLessThan(500);
      expect(res.body, `${a.name}`).toContain(who.actionAnswer);
      expect(res.body, `${a.name}`).not.toContain("mfa_required"); // refused before any challenge opens
    }
  });
}

/** The victim's session and factor, the policy and the retail profile are as they were. */
async function expectNothingChanged(browser: Browser, victimPage: Page, victim: PoolUser, verifiedAdmin: PoolUser) {
  await test.step("nothing changed: the victim's session and factor, the policy, the retail profile", async () => {
    await victimPage.goto("/security");
    await expect(victimPage.getByRole("list", { name: "Your methods" })).toContainText("Authenticator app");

    const admin = await (await browser.newContext()).newPage();
    await signIn(admin, verifiedAdmin);
    await expect(admin.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Admin" })).toBeVisible();
    await admin.goto("/admin/settings");
    const policy = admin.getByRole("form", { name: "Security policy" });
    await expect(policy.getByLabel("Lockout threshold")).not.toHaveValue("100");
    await expect(policy.getByLabel("MFA token lifetime (minutes)")).not.toHaveValue("60");
    await expect(admin.getByRole("form", { name: "MFA profile: Retail customers" }).getByRole("checkbox", { name: /MFA required/ })).toBeChecked();
    await expect(admin.getByRole("form", { name: "Provider: Mock provider" }).getByRole("checkbox", { name: /^Enabled/ })).toBeChecked();
  });
}

async function signedInVictim(browser: Browser, victim: PoolUser): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await signIn(page, victim);
  await expect(page.getByRole("heading", { name: `Hello, ${victim.displayName}` })).toBeVisible();
  return page;
}

// Four people sign in, ~40 refused requests: more than the default budget on a small machine.
test.describe.configure({ timeout: 60_000 });

test("a signed-in customer is refused by every admin page, route and action; nothing changes", async ({ browser, makeUser }) => {
  const victim = await makeUser("retail_totp");
  const customer = await makeUser("commercial");
  const verifiedAdmin = await makeUser("admin");
  const victimPage = await signedInVictim(browser, victim);

  const page = await (await browser.newContext()).newPage();
  await signIn(page, customer);
  await expect(page.getByRole("heading", { name: `Hello, ${customer.displayName}` })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Admin" })).toBeHidden();
  await expectRefused(page, page.request, victim, { redirect: /\/dashboard$/, exportStatus: 403, actionAnswer: "This needs an administrator." });
  await expectNothingChanged(browser, victimPage, victim, verifiedAdmin);
});

test("an admin whose MFA is still pending is refused by every admin page, route and action; nothing changes", async ({ browser, makeUser }) => {
  const victim = await makeUser("retail_totp");
  const pendingAdmin = await makeUser("admin");
  const verifiedAdmin = await makeUser("admin");
  const victimPage = await signedInVictim(browser, victim);

  const page = await (await browser.newContext()).newPage();
  await signIn(page, pendingAdmin, { mfa: false });
  await expect(page).toHaveURL(/\/mfa/);
  await expectRefused(page, page.request, victim, { redirect: /\/mfa/, exportStatus: 401, actionAnswer: "Your session has ended" });
  await expectNothingChanged(browser, victimPage, victim, verifiedAdmin);
});

test("a visitor without a session is sent to sign in; the export answers no CSV", async ({ page }) => {
  const res = await page.request.get("/admin/audit/export", { maxRedirects: 0 });
  expect(res.status()).not.toBe(200);
  expect(await res.text()).not.toContain("action,outcome");
  await page.goto("/admin/users");
  await expect(page).toHaveURL(/\/login\?callbackUrl=%2Fadmin%2Fusers/);
});

test("the control: a verified admin's direct call without a fresh MFA does not run either", async ({ browser, makeUser }) => {
  const victim = await makeUser("retail_totp");
  const admin = await makeUser("admin");
  const victimPage = await signedInVictim(browser, victim);
  const page = await (await browser.newContext()).newPage();
  await signIn(page, admin);
  await page.goto("/admin/settings");
  const providerId = await page.getByRole("form", { name: "Provider: Mock provider" }).locator('input[name="providerId"]').inputValue();
  for (const a of attacks(victim, providerId)) {
    const res = await callAction(page.request, "/admin/users", actionId(a.file, a.name), a.fields);
    expect(res.status, a.name).toBeLessThan(500);
    expect(res.body, a.name).toContain("mfa_required");
  }
  await victimPage.goto("/dashboard");
  await expect(victimPage.getByRole("heading", { name: `Hello, ${victim.displayName}` })).toBeVisible();
  await victimPage.goto("/security");
  await expect(victimPage.getByRole("list", { name: "Your methods" })).toContainText("Authenticator app");
});
