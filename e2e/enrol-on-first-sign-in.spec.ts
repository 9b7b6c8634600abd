import { expect, freshTotp, signOut, submitLogin, test, waitForHydration } from "./fixtures";

test("a user of an MFA-required group without a factor must enrol before the dashboard", async ({ page, makeUser }) => {
  const user = await makeUser("retail_new");
  let secret = "";

  await test.step("the password leads to enrolment", async () => {
    await page.goto("/login");
    await submitLogin(page, user.username, user.password);
    await page.waitForURL(/\/mfa\/enrol/);
    await expect(page.getByRole("heading", { name: "Set up two-step verification" })).toBeVisible();
  });

  await test.step("nothing else is reachable before enrolling", async () => {
    await page.goto("/dashboard");
    await expect(page).toHaveURL(/\/mfa\/enrol/);
    await page.goto(`/accounts/${user.accounts[0]!.id}`);
    await expect(page).toHaveURL(/\/mfa\/enrol/);
    await page.goto("/mfa");
    await expect(page).toHaveURL(/\/mfa\/enrol/);
  });

  await test.step("enrol with a code computed from the secret on the page", async () => {
    await waitForHydration(page);
    secret = (await page.getByTestId("totp-secret").getAttribute("data-secret"))!;
    await page.getByLabel("Code from your app").fill(await freshTotp(secret));
    await page.getByRole("button", { name: "Activate" }).click();
    await page.waitForURL(/\/security\?enrolled=1/);
    await expect(page.getByText("Two-step verification is on")).toBeVisible();
  });

  await test.step("the only method cannot be removed: the page says why in text and links to adding another", async () => {
    const remove = page.getByRole("button", { name: /^Remove / });
    await expect(remove).toBeDisabled();
    const why = page.getByText("Your bank requires two-step verification, so your only method cannot be removed.");
    await expect(why).toBeVisible();
    await expect(remove).toHaveAccessibleDescription(/so your only method cannot be removed/);
    await why.getByRole("link", { name: "Add another method first" }).click();
    await expect(page).toHaveURL(/#add-method$/);
    await expect(page.locator("#add-method")).toBeInViewport();
  });

  await test.step("the dashboard", async () => {
    await page.goto("/dashboard");
    await expect(page.getByRole("heading", { name: `Hello, ${user.displayName}` })).toBeVisible();
  });

  await test.step("the next sign-in asks for the new factor", async () => {
    await signOut(page);
    await page.goto("/login");
    await submitLogin(page, user.username, user.password);
    await page.waitForURL(/\/mfa(\?|$)/);
    await waitForHydration(page);
    await page.getByLabel("6-digit code").fill(await freshTotp(secret));
    await page.getByRole("button", { name: "Verify" }).click();
    await page.waitForURL(/\/dashboard$/);
  });
});
