import { expect, signIn, signOut, submitLogin, test, waitForHydration } from "./fixtures";
import { openPhone, phoneCode, receivedCode } from "./demo-phone";
import { sendToPayeeWithStepUp } from "./transfer-helpers";

/**
 * The README's "What to try" with the demo phone and no terminal: alice's sign-in
 * (the seeded user: her phone holds the README secret from the start), bob's enrolment with
 * "Add to the demo phone", carol's push and SMS, and a step-up — the last two with pool users
 * of the same kinds, so runs never share state.
 */
test("alice signs in with the code her demo phone shows, its README secret there from the start", async ({ page, context }) => {
  const phone = await openPhone(context, "alice");
  await page.goto("/login");
  await submitLogin(page, "alice", "alice-demo-password");
  await page.waitForURL(/\/mfa/);
  await waitForHydration(page);
  await page.getByLabel("6-digit code").fill(await phoneCode(phone, "MFA Bank: alice"));
  await page.getByRole("button", { name: "Verify" }).click();
  await page.waitForURL(/\/dashboard$/);
  await expect(page.getByRole("heading", { name: "Hello, Alice Retail" })).toBeVisible();
});

test("enrolment with \"Add to the demo phone\": the link goes to the phone in this browser, nothing to the server", async ({ page, context, makeUser }) => {
  const user = await makeUser("retail_new"); // bob's situation: MFA required, nothing set up
  await page.goto("/login");
  await submitLogin(page, user.username, user.password);
  await page.waitForURL(/\/mfa\/enrol/);
  await waitForHydration(page);
  const secret = (await page.getByTestId("totp-secret").getAttribute("data-secret"))!;
  const sent: string[] = [];
  page.on("request", (r) => sent.push(`${r.method()} ${r.url()} ${r.postData() ?? ""}`));
  const [phone] = await Promise.all([context.waitForEvent("page"), page.getByRole("button", { name: "Add to the demo phone" }).click()]);
  await expect(page.getByText(`Added to ${user.username}'s demo phone`)).toBeVisible();
  expect(sent.filter((s) => s.includes(secret))).toEqual([]);
  expect(phone.url()).not.toContain(secret);
  await phone.waitForLoadState();
  await page.getByLabel("Code from your app").fill(await phoneCode(phone, `MFA Bank: ${user.username}`));
  await page.getByRole("button", { name: "Activate" }).click();
  await page.waitForURL(/\/security\?enrolled=1/);
  await expect(page.getByText("Two-step verification is on")).toBeVisible();
});

test("carol's push and SMS on the demo phone, live, then a step-up for a transfer", async ({ page, context, makeUser }, testInfo) => {
  test.setTimeout(90_000); // three provider round trips and the phone's two-second refresh
  const user = await makeUser("commercial_ext");
  const phone = await openPhone(context, user.username);

  await test.step("the phone's authenticator refuses garbage and keeps a pasted secret", async () => {
    const field = phone.getByLabel(/Add an account/);
    await field.fill("otpauth://totp/Nope?issuer=x");
    await phone.getByRole("button", { name: "Add account" }).click();
    await expect(phone.getByText("That setup link has no secret= in it.")).toBeVisible();
    await expect(phone.getByTestId("authenticator-code")).toHaveCount(0);
    await field.fill("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP");
    await phone.getByRole("button", { name: "Add account" }).click();
    await expect(phone.getByRole("listitem", { name: `MFA Bank: ${user.username}` }).getByTestId("authenticator-code")).toHaveAttribute("data-code", /^\d{6}$/);
  });

  await test.step("a push appears on the phone by itself; tapping the number signs in", async () => {
    await signIn(page, user, { mfa: false });
    await waitForHydration(page);
    await page.getByRole("button", { name: "Send push" }).click();
    await expect(page.getByTestId("number-to-match")).toHaveText(/^\d{2}$/);
    const number = (await page.getByTestId("number-to-match").textContent())!;
    const request = phone.getByRole("article", { name: "Push request" });
    await expect(request).toBeVisible(); // no reload: the phone refreshes itself
    await expect(request).toContainText(/s ago · expires in/);
    await phone.screenshot({ path: testInfo.outputPath("demo-phone-375.png"), fullPage: true });
    await request.getByRole("button", { name: number, exact: true }).click();
    await page.waitForURL((url) => url.pathname === "/dashboard");
  });

  await test.step("an SMS code arrives on the phone with its age and expiry", async () => {
    await signOut(page);
    await signIn(page, user, { mfa: false });
    await waitForHydration(page);
    await page.getByRole("radiogroup").getByRole("radio", { name: /^Text message/ }).check();
    await page.getByRole("button", { name: "Send code" }).click();
    const code = await receivedCode(phone);
    await expect(phone.getByRole("article", { name: "Delivered code" }).first()).toContainText(/Messages · \d+ s ago · expires in/);
    await page.getByRole("textbox", { name: "6-digit code" }).fill(code);
    await page.getByRole("button", { name: "Verify" }).click();
    await page.waitForURL((url) => url.pathname === "/dashboard");
  });

  await test.step("€1,500.00 to a payee: the step-up dialog, a push approved on the phone", async () => {
    const dialog = await sendToPayeeWithStepUp(page, user, "1500");
    await dialog.getByRole("radiogroup").getByRole("radio", { name: /^Push/ }).check();
    await dialog.getByRole("button", { name: "Send push" }).click();
    await expect(dialog.getByTestId("number-to-match")).toHaveText(/^\d{2}$/);
    const number = (await dialog.getByTestId("number-to-match").textContent())!;
    await phone.getByRole("article", { name: "Push request" }).getByRole("button", { name: number, exact: true }).click();
    await expect(page.getByText(`Sent €1,500.00 to ${user.payee.name}.`)).toBeVisible();
  });
});
