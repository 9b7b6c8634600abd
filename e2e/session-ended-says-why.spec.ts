import { confirmUserAction, openUser } from "./admin-helpers";
import { advanceClock, expect, MOVES_CLOCK, signIn, test } from "./fixtures";

// Two people in two browsers, each admin answering MFA at sign-in and again for the action.
test.describe.configure({ timeout: 60_000 });

const MFA_RESET = "You were signed out because the bank reset your two-step verification. Sign in to set it up again.";

test("a session ended by an admin's Reset MFA: that browser is told why at /login, once; no other browser is told", async ({
  browser,
  makeUser,
  clientAddress,
}) => {
  const admin = await makeUser("admin");
  const user = await makeUser("retail_totp");
  const headers = { extraHTTPHeaders: { "x-forwarded-for": clientAddress } };
  const userPage = await (await browser.newContext(headers)).newPage();
  const adminPage = await (await browser.newContext(headers)).newPage();
  // The same person's second browser, which never held the session that ended.
  const otherPage = await (await browser.newContext(headers)).newPage();

  await test.step("the user is signed in", async () => {
    await signIn(userPage, user);
    await expect(userPage.getByRole("heading", { name: `Hello, ${user.displayName}` })).toBeVisible();
  });

  await test.step("an admin resets the user's MFA", async () => {
    await signIn(adminPage, admin);
    await openUser(adminPage, user);
    await confirmUserAction(adminPage, admin, user, {
      button: "Reset MFA",
      title: "Reset MFA for",
      submit: "Reset MFA",
      stepUp: "Reset MFA for",
      reason: "Lost phone; identity checked by callback",
    });
    await expect(adminPage.getByText(`MFA reset for ${user.username}: removed totp; 1 session ended.`)).toBeVisible();
  });

  await test.step("the user's next request lands on /login with the reason, as a calm status (not an error)", async () => {
    await userPage.goto("/dashboard");
    await expect(userPage).toHaveURL((url) => url.pathname === "/login");
    const notice = userPage.getByRole("status").filter({ hasText: MFA_RESET });
    await expect(notice).toBeVisible();
    await expect(userPage.getByRole("main").getByRole("alert")).toHaveCount(0);
  });

  await test.step("shown once: a reload, or the next visit, says nothing", async () => {
    await userPage.reload();
    await expect(userPage.getByRole("heading", { name: "Sign in to MFA Bank" })).toBeVisible();
    await expect(userPage.getByText(MFA_RESET)).toHaveCount(0);
    await userPage.goto("/dashboard");
    await expect(userPage).toHaveURL((url) => url.pathname === "/login");
    await expect(userPage.getByText(MFA_RESET)).toHaveCount(0);
  });

  await test.step("a browser that never held that session is told nothing", async () => {
    await otherPage.goto("/dashboard");
    await expect(otherPage).toHaveURL((url) => url.pathname === "/login");
    await expect(otherPage.getByRole("heading", { name: "Sign in to MFA Bank" })).toBeVisible();
    await expect(otherPage.getByText(/You were signed out|You signed out|The bank ended/)).toHaveCount(0);
  });
});

test("a session left idle for 31 minutes has ended on the server: the next page is /login, saying why", { tag: MOVES_CLOCK }, async ({ page, makeUser }) => {
  const user = await makeUser("commercial");
  await signIn(page, user);
  await expect(page.getByRole("heading", { name: `Hello, ${user.displayName}` })).toBeVisible();
  // The idle timeout is 30 minutes on the server (lib/auth/sessions.ts), whatever the browser
  // does: the bank's clock moves, the browser's stays (no warning dialog ran).
  await advanceClock(31 * 60);
  await page.goto("/dashboard");
  await expect(page).toHaveURL((url) => url.pathname === "/login");
  await expect(page.getByRole("status").filter({ hasText: "You were signed out because you had been inactive for a while." })).toBeVisible();
});
