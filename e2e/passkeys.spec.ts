import type { Page } from "@playwright/test";
import { confirmUserAction, openUser } from "./admin-helpers";
import { expect, formAlert, signIn, signOut, submitLogin, test, waitForHydration, type PoolUser } from "./fixtures";
import { addPasskey, addVirtualAuthenticator } from "./webauthn";

// Passkeys with Chromium's virtual authenticator (e2e/webauthn.ts), on http://localhost.

async function usePasskeyAtMfa(page: Page, user: PoolUser) {
  await page.goto("/login");
  await submitLogin(page, user.username, user.password);
  await page.waitForURL(/\/mfa/);
  await waitForHydration(page);
  const choice = page.getByRole("radio", { name: /^Passkey/ }); // a choice only when there are several methods
  if (await choice.count()) await choice.check();
  await page.getByRole("button", { name: "Use a passkey" }).click();
  await page.waitForURL(/\/dashboard$/);
}

test("enrol a passkey, sign in with it; add a second one and remove the first", async ({ page, makeUser }) => {
  test.setTimeout(90_000);
  const user = await makeUser("retail_totp");
  await signIn(page, user);
  const laptop = await addVirtualAuthenticator(page);

  await test.step("the Security page creates a passkey; it is listed by name, device-bound", async () => {
    await addPasskey(page, "Work laptop");
    const item = page.getByRole("list", { name: "Your methods" }).getByRole("listitem").filter({ hasText: "Work laptop" });
    await expect(item).toContainText("Device-bound passkey");
    expect(await laptop.credentials()).toHaveLength(1);
  });

  await test.step("sign out, then sign in: password, then the passkey", async () => {
    await signOut(page);
    await usePasskeyAtMfa(page, user);
    await expect(page.getByRole("heading", { name: /Hello/ })).toBeVisible();
  });

  await test.step("a second passkey on another authenticator; the first is removed", async () => {
    await laptop.remove();
    await addVirtualAuthenticator(page);
    await addPasskey(page, "Phone");
    const methods = page.getByRole("list", { name: "Your methods" });
    await expect(methods.getByRole("listitem")).toHaveCount(3); // authenticator app + two passkeys
    await page.getByRole("button", { name: "Remove Work laptop" }).click();
    await expect(methods.getByRole("listitem")).toHaveCount(2);
    await expect(methods.getByText("Work laptop")).toHaveCount(0);
    await expect(methods.getByText("Phone", { exact: true })).toBeVisible();
  });

  await test.step("the removed passkey no longer signs in; the remaining one does", async () => {
    await signOut(page);
    await usePasskeyAtMfa(page, user);
  });
});

const RESPONSE_PART = /(name="[^"]*response"\r\n\r\n)(\{[^\r]*\})(\r\n--)/;

test("a €1,500 transfer stepped up with a passkey; that assertion replayed for another amount is refused", async ({ page, makeUser }) => {
  test.setTimeout(90_000);
  const user = await makeUser("retail_totp");
  const payeeLabel = `${user.payee.name} ••${user.payee.accountNumber.slice(-4)}`;
  await signIn(page, user);
  await addVirtualAuthenticator(page);
  await addPasskey(page, "Laptop");

  let signed: string | null = null;
  page.on("request", (r) => {
    const body = r.method() === "POST" ? (r.postData() ?? "") : "";
    const m = RESPONSE_PART.exec(body);
    if (r.headers()["next-action"] && m && m[2]!.includes("authenticatorData") && !signed) signed = m[2]!;
  });

  const sendMoney = async (amount: string) => {
    await page.goto("/transfer");
    await waitForHydration(page);
    await page.getByLabel("To").selectOption({ label: payeeLabel });
    await page.getByLabel("Amount (EUR)").fill(amount);
    await page.getByRole("button", { name: "Send money" }).click();
    const dialog = page.getByRole("dialog", { name: "Confirm it's you" });
    await expect(dialog.getByTestId("step-up-description")).toHaveText(`Transfer €${amount === "1500" ? "1,500.00" : "1,600.00"} to ${payeeLabel}`);
    await dialog.getByRole("radio", { name: /^Passkey/ }).check();
    return dialog;
  };

  await test.step("the dialog names the transfer; the passkey authorises it", async () => {
    const dialog = await sendMoney("1500");
    await page.screenshot({ path: test.info().outputPath("step-up-passkey-dialog.png") });
    await dialog.getByRole("button", { name: "Use a passkey" }).click();
    await expect(page.getByText(`Sent €1,500.00 to ${user.payee.name}.`)).toBeVisible();
    expect(signed, "the signed assertion was captured").not.toBeNull();
  });

  await test.step("the same signature sent for €1,600.00 is refused, and nothing moves", async () => {
    const dialog = await sendMoney("1600");
    // The browser signs the new challenge; on the way out its answer is swapped for the old one.
    await page.route("**/transfer", async (route) => {
      const body = route.request().postData() ?? "";
      if (route.request().method() === "POST" && RESPONSE_PART.test(body)) {
        await route.continue({ postData: body.replace(RESPONSE_PART, (_all, a: string, _b: string, c: string) => `${a}${signed}${c}`) });
      } else await route.continue();
    });
    await dialog.getByRole("button", { name: "Use a passkey" }).click();
    await expect(dialog.getByRole("alert")).toContainText("This passkey confirmation was made for something else");
    await page.unroute("**/transfer");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await page.goto("/dashboard");
    await expect(page.getByText("€1,600.00")).toHaveCount(0);
  });
});

test("an admin's MFA reset removes the user's passkeys", async ({ browser, makeUser }) => {
  test.setTimeout(90_000);
  const admin = await makeUser("admin");
  const user = await makeUser("retail_totp");
  const userPage = await (await browser.newContext()).newPage();
  const adminPage = await (await browser.newContext()).newPage();
  await signIn(userPage, user);
  const authenticator = await addVirtualAuthenticator(userPage);
  await addPasskey(userPage, "Laptop");

  await signIn(adminPage, admin);
  await openUser(adminPage, user);
  await expect(adminPage.getByRole("list", { name: "Factors" })).toContainText("Passkey");
  await confirmUserAction(adminPage, admin, user, {
    button: "Reset MFA",
    title: "Reset MFA for",
    submit: "Reset MFA",
    stepUp: "Reset MFA for",
    reason: "Lost both devices; identity checked in branch",
  });
  await expect(adminPage.getByText(/MFA reset for .*removed .*passkey/)).toBeVisible();
  await expect(adminPage.getByText("No factor set up: they will enrol at their next sign-in.")).toBeVisible();

  // The passkey still sits on the device, but the bank no longer knows it: enrolment is asked.
  expect(await authenticator.credentials()).toHaveLength(1);
  await userPage.goto("/login");
  await submitLogin(userPage, user.username, user.password);
  await userPage.waitForURL(/\/mfa\/enrol/);
  await expect(formAlert(userPage)).toHaveCount(0);
});

test("a user who must enrol can choose a passkey at first sign-in, and signs in with it next time", async ({ page, makeUser }) => {
  test.setTimeout(60_000);
  const user = await makeUser("retail_new");
  await addVirtualAuthenticator(page);
  await page.goto("/login");
  await submitLogin(page, user.username, user.password);
  await page.waitForURL(/\/mfa\/enrol/);
  await waitForHydration(page);
  await page.getByRole("radio", { name: /^Passkey/ }).check();
  await page.getByLabel("Name (optional)").fill("My laptop");
  await page.getByRole("button", { name: "Create passkey" }).click();
  await page.waitForURL(/\/security\?enrolled=1/);
  await expect(page.getByRole("list", { name: "Your methods" }).getByText("My laptop", { exact: true })).toBeVisible();
  await signOut(page);
  await usePasskeyAtMfa(page, user);
});
