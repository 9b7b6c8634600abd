import { expect, formAlert, freshTotp, submitLogin, test, waitForHydration } from "./fixtures";

test("a wrong code opens a countdown; failures of every kind lock the account; a locked account tells an attacker nothing", async ({
  browser,
  makeUser,
}) => {
  test.setTimeout(60_000); // a whole journey
  const user = await makeUser("retail_totp");
  const victim = await (await browser.newContext()).newPage();
  const attacker = await (await browser.newContext()).newPage();

  await test.step("the user reaches /mfa", async () => {
    await victim.goto("/login");
    await submitLogin(victim, user.username, user.password);
    await victim.waitForURL(/\/mfa/);
    await waitForHydration(victim);
  });

  await test.step("a wrong code shows a live countdown and the form comes back by itself", async () => {
    await victim.getByLabel("6-digit code").fill("000000");
    await victim.getByRole("button", { name: "Verify" }).click();
    await expect(victim.getByTestId("countdown")).toBeVisible();
    await expect(victim.getByRole("button", { name: /Verify|Checking/ })).toBeDisabled();
    await expect(victim.getByRole("button", { name: "Verify" })).toBeEnabled({ timeout: 5_000 });
    await expect(victim.getByTestId("countdown")).toBeHidden();
  });

  await test.step("wrong passwords from another browser count toward the same threshold", async () => {
    // 1 failed code + 4 failed passwords = 5 = the default threshold.
    for (let i = 0; i < 4; i++) {
      await attacker.goto("/login");
      await submitLogin(attacker, user.username.toUpperCase(), `wrong-password-${i}`);
      await expect(formAlert(attacker)).toHaveText("Incorrect username or password.");
    }
  });

  await test.step("the correct password on the locked account gets the same generic answer", async () => {
    await attacker.goto("/login");
    await submitLogin(attacker, user.username, user.password);
    await expect(formAlert(attacker)).toHaveText("Incorrect username or password.");
    await expect(attacker).toHaveURL(/\/login/);
  });

  await test.step("the user's pending session ended: even a correct code is refused", async () => {
    await victim.getByLabel("6-digit code").fill(await freshTotp(user.totpSecret!));
    await victim.getByRole("button", { name: "Verify" }).click();
    await expect(victim.getByText("Your session has ended. Please sign in again.")).toBeVisible();
    await victim.goto("/dashboard");
    await expect(victim).toHaveURL(/\/login/);
  });
});

test("a user whose own wrong code locks the account at /mfa is told it is locked, and what to do", async ({ browser, makeUser }) => {
  const user = await makeUser("retail_totp");
  const attacker = await (await browser.newContext()).newPage();
  const owner = await (await browser.newContext()).newPage();

  await test.step("four wrong passwords elsewhere: the sign-in page says the same for each, with the lock hint", async () => {
    for (let i = 0; i < 4; i++) {
      await attacker.goto("/login");
      await submitLogin(attacker, user.username, `wrong-password-${i}`);
      await expect(formAlert(attacker)).toHaveText("Incorrect username or password.");
      await expect(attacker.getByText("If you've tried several times, your account may be locked — check your e-mail.")).toBeVisible();
    }
  });

  await test.step("the owner proves the password; the fifth failure, a wrong code, locks the account and says so", async () => {
    await owner.goto("/login");
    await submitLogin(owner, user.username, user.password);
    await owner.waitForURL(/\/mfa/);
    await waitForHydration(owner);
    await owner.getByLabel("6-digit code").fill("000000");
    await owner.getByRole("button", { name: "Verify" }).click();
    const alert = formAlert(owner);
    await expect(alert).toContainText("we have locked your account to protect it");
    await expect(alert).toContainText("We sent you an e-mail");
    await expect(alert.getByRole("link", { name: "Back to sign-in" })).toBeVisible();
  });
});
