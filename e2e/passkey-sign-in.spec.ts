import { expect, formAlert, signIn, signOut, submitLogin, test, waitForHydration } from "./fixtures";
import { addPasskey, addVirtualAuthenticator } from "./webauthn";

// A passkey alone signs in (Chromium's virtual authenticator, on localhost).

const BUTTON = "Sign in with a passkey";

test("sign in with a passkey alone; a tampered assertion fails and counts; a locked account is refused", async ({ page, makeUser }) => {
  test.setTimeout(90_000);
  const user = await makeUser("retail_totp");
  await signIn(page, user);
  await addVirtualAuthenticator(page);
  await addPasskey(page, "This laptop");
  await signOut(page);

  await test.step("a tampered assertion is refused, changes nothing, and counts as a failed attempt", async () => {
    await page.goto("/login");
    await waitForHydration(page);
    // The assertion goes to the login action's route handler (lib/http/script-endpoint.ts).
    await page.route(/\/api\/sign-in\/passkey$/, async (route) => {
      const body = route.request().postData() ?? "";
      if (route.request().method() !== "POST" || !body.includes("signature")) return route.continue();
      // One character of the signature changed: the authenticator's answer no longer verifies.
      const tampered = body.replace(/("signature":")(.)/, (_m, head: string, c: string) => head + (c === "A" ? "B" : "A"));
      expect(tampered).not.toBe(body);
      await route.continue({ postData: tampered });
    });
    await page.getByRole("button", { name: BUTTON }).click();
    await expect(page.locator("#passkey-sign-in-error")).toHaveText("That passkey answer is not valid. Try again.");
    expect(new URL(page.url()).pathname).toBe("/login");
    await page.unroute(/\/api\/sign-in\/passkey$/);
  });

  await test.step("the passkey alone signs in: no password, no code", async () => {
    // The failure opened a short backoff delay (one second by default): the button says so if too soon.
    await expect(async () => {
      await page.getByRole("button", { name: BUTTON }).click();
      await page.waitForURL(/\/dashboard$/, { timeout: 3_000 });
    }).toPass({ timeout: 15_000 });
    await expect(page.getByRole("heading", { name: /Hello/ })).toBeVisible();
  });

  await test.step("the sign-in history names both attempts", async () => {
    await page.goto("/security/activity");
    const history = page.getByRole("list", { name: "Sign-in history" });
    await expect(history.getByRole("listitem").filter({ hasText: "Passkey, without a password" }).filter({ hasText: "Success" }).first()).toBeVisible();
    await expect(history.getByRole("listitem").filter({ hasText: "Passkey, without a password" }).filter({ hasText: "Failed" }).first()).toBeVisible();
  });

  await test.step("locked by wrong passwords, the account is refused to the passkey too", async () => {
    await signOut(page);
    for (let i = 0; i < 5; i++) { // the default lockout threshold
      await page.goto("/login");
      await submitLogin(page, user.username, `wrong-password-${i}`);
      await expect(formAlert(page)).toHaveText("Incorrect username or password.");
    }
    await page.goto("/login");
    await waitForHydration(page);
    await page.getByRole("button", { name: BUTTON }).click();
    await expect(page.locator("#passkey-sign-in-error")).toContainText("If your account is locked");
    expect(new URL(page.url()).pathname).toBe("/login");
  });
});

test("a phishing-resistant-only group refuses TOTP for sign-in and says what to do", async ({ page, makeUser }) => {
  const user = await makeUser("phishing_only"); // has TOTP, no passkey
  await page.goto("/login");
  await submitLogin(page, user.username, user.password);
  await page.waitForURL(/\/mfa/);
  await expect(page.getByText("Your bank asks for a passkey to sign in, and your account has none yet.")).toBeVisible();
  await expect(page.getByLabel(/code/i)).toHaveCount(0);
  // Asking for the TOTP form by name changes nothing.
  await page.goto("/mfa?factor=totp");
  await expect(page.getByText("Your bank asks for a passkey to sign in")).toBeVisible();
  await expect(page.getByLabel(/code/i)).toHaveCount(0);
  await expect(page.getByRole("link", { name: "Ask the bank to reset my two-step verification" })).toBeVisible();
});

test.describe("with the browser's passkey autofill", () => {
  test.use({ passkeyAutofill: true });

  test("a passkey offered in the username field signs in without a click on the button", async ({ page, makeUser }) => {
    test.setTimeout(60_000);
    const user = await makeUser("retail_totp");
    await signIn(page, user);
    await addVirtualAuthenticator(page); // it answers the conditional request by itself, like a person picking the passkey
    await addPasskey(page, "Autofill laptop");
    await signOut(page);
    await page.goto("/login");
    await expect(page.getByLabel("Username")).toHaveAttribute("autocomplete", "username webauthn");
    await page.waitForURL(/\/dashboard$/);
    await expect(page.getByRole("heading", { name: /Hello/ })).toBeVisible();
  });
});
