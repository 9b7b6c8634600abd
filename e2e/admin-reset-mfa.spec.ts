import { answerStepUp, confirmUserAction, openUser } from "./admin-helpers";
import { expect, signIn, submitLogin, test, waitForHydration } from "./fixtures";
import { mailCount } from "./mailbox";
import { actionId, callAction } from "./server-actions";

// Two people in two browsers, each admin answering MFA at sign-in and again for the action.
test.describe.configure({ timeout: 60_000 });

test("an admin resets a user's TOTP: the user's open session dies at its next request, and their next sign-in demands enrolment", async ({
  browser,
  makeUser,
  clientAddress,
}) => {
  const admin = await makeUser("admin");
  const user = await makeUser("retail_totp");
  const userPage = await (await browser.newContext()).newPage();
  const adminPage = await (await browser.newContext()).newPage();
  const reason = "Lost phone; identity checked by callback";

  await test.step("the user is signed in", async () => {
    await signIn(userPage, user);
    await expect(userPage.getByRole("heading", { name: `Hello, ${user.displayName}` })).toBeVisible();
  });

  await test.step("the admin finds the user: factors without secrets, the active session", async () => {
    await signIn(adminPage, admin);
    await openUser(adminPage, user);
    const factors = adminPage.getByRole("list", { name: "Factors" });
    await expect(factors).toContainText("Authenticator app");
    await expect(factors).toContainText("Last used");
    await expect(adminPage.getByRole("table", { name: "Active sessions" }).getByRole("row")).toHaveCount(2); // header + 1
  });

  await test.step("the confirmation names the user and will not go without a reason", async () => {
    await adminPage.getByRole("button", { name: "Reset MFA", exact: true }).click();
    const confirm = adminPage.getByRole("dialog", { name: `Reset MFA for ${user.displayName} (${user.username})?` });
    await expect(confirm).toBeVisible();
    await confirm.getByRole("button", { name: "Reset MFA", exact: true }).click();
    await expect(confirm.getByText("Give a reason")).toBeVisible();
    await expect(adminPage.getByRole("dialog", { name: "Confirm it's you" })).toBeHidden();
    await confirm.getByRole("button", { name: "Cancel" }).click();
    await expect(confirm).toBeHidden();
  });

  await test.step("reset with a reason and a fresh MFA bound to it", async () => {
    await confirmUserAction(adminPage, admin, user, {
      button: "Reset MFA",
      title: "Reset MFA for",
      submit: "Reset MFA",
      stepUp: "Reset MFA for",
      reason,
    });
    await expect(adminPage.getByText(`MFA reset for ${user.username}: removed totp; 1 session ended.`)).toBeVisible();
    await expect(adminPage.getByText("No factor set up: they will enrol at their next sign-in.")).toBeVisible();
    await expect(adminPage.getByText("No active session.")).toBeVisible();
  });

  await test.step("the user's open session dies at its next request", async () => {
    await userPage.goto("/dashboard");
    await expect(userPage).toHaveURL(/\/login/);
  });

  await test.step("their next sign-in demands enrolment before anything else", async () => {
    await submitLogin(userPage, user.username, user.password);
    await userPage.waitForURL(/\/mfa\/enrol/);
    await userPage.goto("/dashboard");
    await expect(userPage).toHaveURL(/\/mfa\/enrol/);
  });

  await test.step("the user got a mail", async () => {
    expect(await mailCount(userPage, `${user.username}@e2e.mfa-bank.example`, /two-step verification was reset/)).toBe(1);
  });

  await test.step("the audit log has the reset: actor, subject, reason, IP", async () => {
    await adminPage.goto(`/admin/audit?action=mfa.reset&user=${user.username}`);
    const rows = adminPage.getByRole("table", { name: "Audit events" }).getByRole("row");
    await expect(rows).toHaveCount(2);
    const event = rows.nth(1);
    await expect(event).toContainText("mfa.reset");
    await expect(event).toContainText(admin.username);
    await expect(event).toContainText(user.username);
    await expect(event).toContainText(reason);
    await expect(event).toContainText(clientAddress); // the address this test's browsers send
  });
});

test("an admin cannot reset their own MFA from the page, nor by calling the action", async ({ page, makeUser }) => {
  const admin = await makeUser("admin");
  await signIn(page, admin);

  await test.step("the button is disabled, with the reason", async () => {
    await openUser(page, admin);
    await expect(page.getByRole("button", { name: "Reset MFA", exact: true })).toBeDisabled();
    await expect(page.getByText("You cannot reset your own MFA here")).toBeVisible();
  });

  await test.step("a direct call is refused before any MFA prompt, and the factor stays", async () => {
    const id = actionId("app/admin/users/actions.ts", "resetUserMfa");
    const res = await callAction(page.request, `/admin/users/${admin.id}`, id, { userId: admin.id, reason: "self service" });
    expect(res.status).toBeLessThan(500);
    expect(res.body).toContain("You cannot reset your own MFA here");
    expect(res.body).not.toContain("mfa_required");
    await page.reload();
    await expect(page.getByRole("list", { name: "Factors" })).toContainText("Authenticator app");
  });
});

test("End sessions signs the user out everywhere; they sign in again as before", async ({ browser, makeUser }) => {
  const admin = await makeUser("admin");
  const user = await makeUser("retail_totp");
  const userPage = await (await browser.newContext()).newPage();
  const adminPage = await (await browser.newContext()).newPage();
  await signIn(userPage, user);
  await expect(userPage.getByRole("heading", { name: `Hello, ${user.displayName}` })).toBeVisible();

  await signIn(adminPage, admin);
  await openUser(adminPage, user);
  await test.step("cancelling the MFA prompt ends nothing", async () => {
    await adminPage.getByRole("button", { name: "End sessions", exact: true }).click();
    const confirm = adminPage.getByRole("dialog", { name: `End every session of ${user.displayName} (${user.username})?` });
    await confirm.getByLabel("Reason").fill("Suspicious activity");
    await confirm.getByRole("button", { name: "End sessions", exact: true }).click();
    const stepUp = adminPage.getByRole("dialog", { name: "Confirm it's you" });
    await expect(stepUp).toBeVisible();
    await stepUp.getByRole("button", { name: "Cancel" }).click();
    await expect(confirm.getByText("Cancelled. No session was ended.")).toBeVisible();
    await confirm.getByRole("button", { name: "Cancel" }).click();
    await userPage.goto("/dashboard");
    await expect(userPage.getByRole("heading", { name: `Hello, ${user.displayName}` })).toBeVisible();
  });

  await test.step("confirmed: the user's session ends", async () => {
    await waitForHydration(adminPage);
    await adminPage.getByRole("button", { name: "End sessions", exact: true }).click();
    const confirm = adminPage.getByRole("dialog", { name: /End every session of/ });
    await confirm.getByLabel("Reason").fill("Suspicious activity");
    await confirm.getByRole("button", { name: "End sessions", exact: true }).click();
    await answerStepUp(adminPage, admin, `End every session of ${user.displayName} (${user.username})`);
    await expect(adminPage.getByText("1 session ended.")).toBeVisible();
    await userPage.goto("/dashboard");
    await expect(userPage).toHaveURL(/\/login/);
    await expect(userPage.getByText("The bank ended your session. Sign in again to continue.")).toBeVisible();
  });

  await test.step("their factors are untouched: the next sign-in asks for TOTP as before", async () => {
    await signIn(userPage, user);
    await expect(userPage.getByRole("heading", { name: `Hello, ${user.displayName}` })).toBeVisible();
  });
});
