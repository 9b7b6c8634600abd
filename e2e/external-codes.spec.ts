import type { BrowserContext, Page } from "@playwright/test";
import { expect, formAlert, freshTotp, signIn, test, waitForHydration, type PoolUser } from "./fixtures";
import { sendToPayeeWithStepUp } from "./transfer-helpers";

/** The newest code the mock provider "delivered" to `user`, read from its device page. */
async function deliveredCode(context: BrowserContext, user: PoolUser): Promise<string> {
  const device = await context.newPage();
  try {
    await device.goto(`/mock-provider/device?user=${encodeURIComponent(user.username)}`);
    const text = await device.getByRole("article", { name: "Delivered code" }).first().textContent();
    return /code is (\d{6})/.exec(text ?? "")![1]!;
  } finally {
    await device.close();
  }
}

async function chooseMethod(scope: Page | ReturnType<Page["getByRole"]>, name: string) {
  await scope.getByRole("radiogroup").getByRole("radio", { name: new RegExp(`^${name}`) }).check();
}

test("sign-in with an SMS code read from the device page; a wrong code counts and needs a new code", async ({ page, context, makeUser }) => {
  test.setTimeout(60_000); // a whole journey: password, codes through the provider, the device page
  const user = await makeUser("commercial_ext");
  await signIn(page, user, { mfa: false });
  await expect(page).toHaveURL(/\/mfa/);
  await waitForHydration(page);
  await chooseMethod(page, "Text message");
  await expect(page.getByRole("radio", { name: /^SMS to ••••\d{4}$/ })).toBeChecked();

  await test.step("a wrong code is refused; that code is spent", async () => {
    await page.getByRole("button", { name: "Send code" }).click();
    await expect(page.getByRole("textbox", { name: "6-digit code" })).toBeVisible();
    const code = await deliveredCode(context, user);
    await page.getByRole("textbox", { name: "6-digit code" }).fill(code === "000000" ? "111111" : "000000");
    await page.getByRole("button", { name: "Verify" }).click();
    await expect(formAlert(page)).toContainText("That code is not right. Send a new code and try again.");
  });
  await test.step("a new code from the device page signs in", async () => {
    await expect(page.getByRole("button", { name: "Send code" })).toBeEnabled({ timeout: 15_000 });
    await page.getByRole("button", { name: "Send code" }).click();
    await expect(page.getByRole("textbox", { name: "6-digit code" })).toBeVisible();
    await page.getByRole("textbox", { name: "6-digit code" }).fill(await deliveredCode(context, user));
    await page.getByRole("button", { name: "Verify" }).click();
    await page.waitForURL((url) => url.pathname === "/dashboard");
  });
});

test("a transfer step-up through the provider: an e-mail code in the dialog authorises it", async ({ page, context, makeUser }) => {
  test.setTimeout(60_000); // a whole journey: password, codes through the provider, the device page
  const user = await makeUser("commercial_ext");
  await test.step("sign in with an e-mail code", async () => {
    await signIn(page, user, { mfa: false });
    await waitForHydration(page);
    await chooseMethod(page, "E-mail code");
    await page.getByRole("button", { name: "Send code" }).click();
    await expect(page.getByRole("textbox", { name: "6-digit code" })).toBeVisible();
    await page.getByRole("textbox", { name: "6-digit code" }).fill(await deliveredCode(context, user));
    await page.getByRole("button", { name: "Verify" }).click();
    await page.waitForURL((url) => url.pathname === "/dashboard");
  });
  await test.step("1,500.00 to a payee: the dialog, an e-mail code, sent", async () => {
    const dialog = await sendToPayeeWithStepUp(page, user, "1500");
    await chooseMethod(dialog, "E-mail code");
    await dialog.getByRole("button", { name: "Send code" }).click();
    await expect(dialog.getByRole("textbox", { name: "6-digit code" })).toBeVisible();
    await dialog.getByRole("textbox", { name: "6-digit code" }).fill(await deliveredCode(context, user));
    await dialog.getByRole("button", { name: "Verify" }).click();
    await expect(page.getByText(`Sent €1,500.00 to ${user.payee.name}.`)).toBeVisible();
    await expect(dialog).toBeHidden();
  });
});

test("provider down: a clear message, nothing counted, and TOTP still works", async ({ page, makeUser }) => {
  const user = await makeUser("provider_down");
  await signIn(page, user, { mfa: false });
  await expect(page).toHaveURL(/\/mfa/);
  await waitForHydration(page);
  await test.step("the provider's method says the service is unavailable", async () => {
    await chooseMethod(page, "Text message");
    await expect(formAlert(page)).toHaveText("The verification service is unavailable. Choose another method.");
  });
  await test.step("no backoff was started: the authenticator app signs in at once", async () => {
    await expect(page.getByTestId("countdown")).toHaveCount(0);
    await chooseMethod(page, "Authenticator app");
    await page.getByRole("textbox", { name: "6-digit code" }).fill(await freshTotp(user.totpSecret!));
    await page.getByRole("button", { name: "Verify" }).click();
    await page.waitForURL((url) => url.pathname === "/dashboard");
  });
});
