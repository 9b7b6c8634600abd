import { expect, freshTotp, signIn, signOut, submitLogin, test, waitForHydration } from "./fixtures";

test("enrol TOTP from the Security page, then sign-in escalates to it; a used code is refused", async ({ page, makeUser }) => {
  test.setTimeout(60_000); // a whole journey
  const user = await makeUser("commercial"); // no MFA yet, group does not require it
  let secret = "";
  let lastCode = "";

  await test.step("sign in with the password only", async () => {
    await signIn(page, user);
    await expect(page).toHaveURL(/\/dashboard$/);
  });

  await test.step("set up an authenticator app reading the secret from the page", async () => {
    await page.goto("/security");
    await waitForHydration(page);
    const secretEl = page.getByTestId("totp-secret");
    await expect(secretEl).toBeVisible();
    secret = (await secretEl.getAttribute("data-secret"))!;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/); // 160 bits, base32
    await expect(page.getByText(`otpauth://totp/MFA%20Bank:${user.username}?secret=${secret}`)).toBeAttached();
    await expect(page.getByRole("img", { name: "QR code for your authenticator app" })).toBeVisible();
    await page.getByLabel("Code from your app").fill("000000");
    await page.getByRole("button", { name: "Activate" }).click();
    await expect(page.getByText("That code does not match")).toBeVisible();
    await page.getByLabel("Code from your app").fill(await freshTotp(secret));
    await page.getByRole("button", { name: "Activate" }).click();
    await expect(page.getByRole("list", { name: "Your methods" })).toContainText("Authenticator app");
    // After enrolment the secret is never sent to the browser again.
    await page.reload();
    expect(await page.content()).not.toContain(secret);
  });

  await test.step("sign out, sign in: the password leads to /mfa, the code to the dashboard", async () => {
    await signOut(page);
    await page.goto("/login");
    await submitLogin(page, user.username, user.password);
    await page.waitForURL(/\/mfa/);
    await waitForHydration(page);
    lastCode = await freshTotp(secret);
    await page.getByLabel("6-digit code").fill(lastCode);
    await page.getByRole("button", { name: "Verify" }).click();
    await page.waitForURL(/\/dashboard$/);
    await expect(page.getByRole("heading", { name: `Hello, ${user.displayName}` })).toBeVisible();
  });

  await test.step("the same code in a new sign-in is refused", async () => {
    await signOut(page);
    await page.goto("/login");
    await submitLogin(page, user.username, user.password);
    await page.waitForURL(/\/mfa/);
    await waitForHydration(page);
    await page.getByLabel("6-digit code").fill(lastCode);
    await page.getByRole("button", { name: "Verify" }).click();
    await expect(page.getByText("That code was already used")).toBeVisible();
    await expect(page).toHaveURL(/\/mfa/);
  });
});

test("malformed codes get a clear message and no server error", async ({ page, makeUser }) => {
  const user = await makeUser("retail_totp");
  await page.goto("/login");
  await submitLogin(page, user.username, user.password);
  await page.waitForURL(/\/mfa/);
  await waitForHydration(page);
  await page.getByLabel("6-digit code").fill("１２３４５６"); // full-width digits
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByText("That does not look like a valid code")).toBeVisible();
  await expect(page).toHaveURL(/\/mfa/);
});
