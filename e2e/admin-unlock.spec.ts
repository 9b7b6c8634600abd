import { confirmUserAction, openUser } from "./admin-helpers";
import { expect, formAlert, signIn, submitLogin, test } from "./fixtures";

test("an admin unlocks a locked user, who can then sign in", async ({ browser, makeUser }) => {
  test.setTimeout(60_000); // seven sign-in attempts and an admin with two MFA prompts
  const admin = await makeUser("admin");
  const user = await makeUser("commercial");
  const userPage = await (await browser.newContext()).newPage();
  const adminPage = await (await browser.newContext()).newPage();

  await test.step("wrong passwords lock the account; then even the right one is refused", async () => {
    // 5 = the default threshold (at most: another spec may lower it to 3 for a moment).
    for (let i = 0; i < 5; i++) {
      await userPage.goto("/login");
      await submitLogin(userPage, user.username, `wrong-password-${i}`);
      await expect(formAlert(userPage)).toHaveText("Incorrect username or password.");
    }
    await userPage.goto("/login");
    await submitLogin(userPage, user.username, user.password);
    await expect(formAlert(userPage)).toHaveText("Incorrect username or password.");
  });

  await test.step("the admin finds them with the locked filter", async () => {
    await signIn(adminPage, admin);
    await openUser(adminPage, user, { lockedOnly: true });
    await expect(adminPage.getByText("until an administrator unlocks")).toBeVisible();
  });

  await test.step("Unlock: confirmation naming the user, a reason, a fresh MFA", async () => {
    await confirmUserAction(adminPage, admin, user, {
      button: "Unlock",
      title: "Unlock",
      submit: "Unlock account",
      stepUp: "Unlock the account of",
      reason: "Customer called, identity verified",
    });
    await expect(adminPage.getByText("Account unlocked: the user can sign in again.")).toBeVisible();
    await expect(adminPage.getByRole("button", { name: "Unlock", exact: true })).toBeHidden();
  });

  await test.step("the user signs in", async () => {
    await signIn(userPage, user);
    await expect(userPage.getByRole("heading", { name: `Hello, ${user.displayName}` })).toBeVisible();
  });

  await test.step("the unlock is in the audit log with actor, subject and reason", async () => {
    await adminPage.goto(`/admin/audit?action=account.unlocked&user=${user.username}`);
    const event = adminPage.getByRole("table", { name: "Audit events" }).getByRole("row").nth(1);
    await expect(event).toContainText(admin.username);
    await expect(event).toContainText(user.username);
    await expect(event).toContainText("Customer called, identity verified");
  });
});
