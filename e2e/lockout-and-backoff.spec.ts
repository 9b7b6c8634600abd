import { expect, formAlert, freshTotp, signIn, submitLogin, test, waitForHydration } from "./fixtures";
import { emailOf, mailCount, mailLink } from "./mailbox";

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
  test.slow(); // five failures, the mailbox, an unlock and a sign-in with a code
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

  let link = "";
  await test.step("the lock mail carries an unlock link; opening it (as a mail scanner would) changes nothing", async () => {
    link = await mailLink(owner, emailOf(user), /account was locked/);
    expect(link).toMatch(/\/unlock\?token=[A-Za-z0-9_-]{43}$/);
    await owner.goto(link);
    await owner.goto(link);
    await expect(owner.getByRole("heading", { name: "Unlock your account" })).toBeVisible();
    await owner.goto("/login");
    await submitLogin(owner, user.username, user.password);
    await expect(formAlert(owner)).toHaveText("Incorrect username or password.");
  });

  await test.step("the button unlocks, signs nobody in, and the owner then signs in with password and code", async () => {
    await owner.goto(link);
    await waitForHydration(owner);
    await owner.getByRole("button", { name: "Unlock my account" }).click();
    await expect(owner.getByText("Your account is unlocked. Sign in with your password and your second step.")).toBeVisible();
    await owner.goto("/dashboard");
    await owner.waitForURL(/\/login/);
    await signIn(owner, user);
    await expect(owner).toHaveURL(/\/dashboard/);
    expect(await mailCount(owner, emailOf(user), /account was unlocked/)).toBe(1);
  });

  await test.step("the link is spent: opening it again says so before any click", async () => {
    await owner.goto(link);
    await expect(owner.getByText(/^This unlock link was already used\./)).toBeVisible();
    await expect(owner.getByRole("button", { name: "Unlock my account" })).toHaveCount(0);
  });
});

test("a staff account's lock mail has no unlock link: staff are unlocked by another administrator", async ({ browser, makeUser }) => {
  const admin = await makeUser("admin");
  const page = await (await browser.newContext()).newPage();
  for (let i = 0; i < 5; i++) {
    await page.goto("/login");
    await submitLogin(page, admin.username, `wrong-password-${i}`);
    await expect(formAlert(page)).toHaveText("Incorrect username or password.");
  }
  await page.goto(`/mock-provider/mailbox?to=${encodeURIComponent(emailOf(admin))}`);
  const mail = page.getByRole("article", { name: /account was locked/ });
  await expect(mail).toHaveCount(1);
  await expect(mail).toContainText("A bank administrator can unlock it");
  await expect(mail.getByRole("link")).toHaveCount(0);
});
