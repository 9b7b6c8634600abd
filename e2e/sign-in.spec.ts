import { expect, formAlert, signIn, submitLogin, test } from "./fixtures";

const GENERIC = "Incorrect username or password.";

test("a commercial user signs in and sees their accounts", async ({ page, makeUser }) => {
  const user = await makeUser("commercial");

  await test.step("sign in with username and password", async () => {
    await signIn(page, user, { ui: true }); // typed into the page, as a customer does
    await expect(page).toHaveURL(/\/dashboard$/);
  });

  await test.step("the dashboard lists the user's own accounts", async () => {
    await expect(page.getByRole("heading", { level: 1, name: `Hello, ${user.displayName}` })).toBeVisible();
    const accounts = page.getByRole("region", { name: "Your accounts" });
    for (const account of user.accounts) {
      const link = accounts.getByRole("link").filter({ hasText: account.number });
      await expect(link).toContainText(account.name);
      await expect(link).toHaveAttribute("href", `/accounts/${account.id}`);
    }
    await expect(accounts.getByRole("link")).toHaveCount(user.accounts.length);
  });
});

test("a wrong password and an unknown user get the same message", async ({ page, makeUser }) => {
  const user = await makeUser("commercial");
  await page.goto("/login");

  const wrongPassword = await test.step("wrong password", async () => {
    await submitLogin(page, user.username, `${user.password}-wrong`);
    await expect(formAlert(page)).toHaveText(GENERIC);
    await expect(page).toHaveURL(/\/login/);
    return formAlert(page).innerText();
  });

  const unknownUser = await test.step("unknown user", async () => {
    await page.goto("/login");
    await submitLogin(page, `nobody-${user.username}`, user.password);
    await expect(formAlert(page)).toHaveText(GENERIC);
    await expect(page).toHaveURL(/\/login/);
    return formAlert(page).innerText();
  });

  expect(unknownUser).toBe(wrongPassword);
});

test("a signed-out visit to /dashboard goes to the sign-in page", async ({ page }) => {
  await test.step("open /dashboard without a session", async () => {
    await page.goto("/dashboard");
  });

  await test.step("land on /login, which brings you back afterwards", async () => {
    await expect(page).toHaveURL((url) => url.pathname === "/login" && url.searchParams.get("callbackUrl") === "/dashboard");
    await expect(page.getByRole("heading", { name: "Sign in to MFA Bank" })).toBeVisible();
  });
});
