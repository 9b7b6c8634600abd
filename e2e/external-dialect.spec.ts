import type { Locator, Page } from "@playwright/test";
import { answerStepUp } from "./admin-helpers";
import { DIALECT_RESOURCES, startDialectProvider, type DialectProvider } from "./dialect-provider";
import { expect, formAlert, freshTotp, signIn, test, waitForHydration, type PoolUser } from "./fixtures";
import { sendToPayeeWithStepUp } from "./transfer-helpers";

/**
 * A provider that speaks another dialect (e2e/dialect-provider.ts: other paths,
 * 202 instead of 201, txnRef and decision, APPROVED/REJECTED/EXPIRED, a validate endpoint of its
 * own for SMS) plugs in through the admin console alone — resources and CEL transforms typed into
 * the form, saved with a step-up. Then a sign-in and a transfer go through it, and a transform
 * that breaks at run time fails closed.
 *
 * The "dia" provider row serves only this spec's users, so changing it here touches no other
 * spec; the tests run in order in one worker, and each sets the configuration it needs.
 */

test.describe.configure({ mode: "serial" });

let dx: DialectProvider;
test.beforeAll(async () => {
  dx = await startDialectProvider(Number(process.env.E2E_DIALECT_PROVIDER_PORT));
});
test.afterAll(async () => {
  await dx?.close();
});

const PROVIDER = "Dialect provider";
const UNAVAILABLE = "The verification service is unavailable. Choose another method.";
type Config = Record<string, Partial<Record<"suffix" | "expectedStatus" | "outgoing" | "incoming", string>>>;
const emailOf = (u: PoolUser) => `${u.username}@e2e.mfa-bank.example`;

function resourcesForm(page: Page): Locator {
  return page.getByRole("form", { name: `Resources: ${PROVIDER}` });
}

/** Types a resource configuration into the console (every listed resource's fields; blank = default) and saves it with a step-up. */
async function configure(page: Page, admin: PoolUser, config: Config) {
  await page.goto("/admin/settings");
  await waitForHydration(page);
  const form = resourcesForm(page);
  for (const [name, fields] of Object.entries(config)) {
    await form.locator("details", { has: page.getByText(name, { exact: true }) }).evaluate((d) => ((d as HTMLDetailsElement).open = true));
    await form.getByLabel(`Suffix (${name})`, { exact: true }).fill(fields.suffix ?? "");
    await form.getByLabel(`Expected status (${name})`, { exact: true }).fill(fields.expectedStatus ?? "");
    await form.getByLabel(`Outgoing transform (${name})`, { exact: true }).fill(fields.outgoing ?? "");
    await form.getByLabel(`Incoming transform (${name})`, { exact: true }).fill(fields.incoming ?? "");
  }
  await form.getByRole("button", { name: `Save resources of ${PROVIDER}` }).click();
  const status = form.getByRole("status");
  const dialog = page.getByRole("dialog", { name: "Confirm it's you" });
  // Already configured like this: saved without MFA ("unchanged").
  await expect(dialog.or(status)).toBeVisible();
  if (await dialog.isVisible()) await answerStepUp(page, admin, new RegExp(`^Change ${PROVIDER}: resources `));
  await expect(status).toHaveText(/^(Saved: resources |Nothing to save)/);
}

async function sendAndEnter(scope: Page | Locator, code: () => string) {
  await expect(scope.getByRole("radio", { name: "SMS to •••• 9876" })).toBeChecked();
  await scope.getByRole("button", { name: "Send code" }).click();
  await expect(scope.getByRole("textbox", { name: "6-digit code" })).toBeVisible();
  await scope.getByRole("textbox", { name: "6-digit code" }).fill(code());
  await scope.getByRole("button", { name: "Verify" }).click();
}

test("the console refuses an expression that does not compile, and tries one on a sample", async ({ page, makeUser }) => {
  test.setTimeout(60_000); // a sign-in with MFA, then four round trips of the console
  const admin = await makeUser("admin");
  await signIn(page, admin);
  await page.goto("/admin/settings");
  await waitForHydration(page);

  await test.step("a compile error is a field error: no MFA prompt, nothing saved", async () => {
    const form = resourcesForm(page);
    await form.locator("details", { has: page.getByText("sms_otp_2", { exact: true }) }).evaluate((d) => ((d as HTMLDetailsElement).open = true));
    await form.getByLabel("Incoming transform (sms_otp_2)", { exact: true }).fill('{"status": body.decision ==}');
    await form.getByLabel("Expected status (sms_otp_2)", { exact: true }).fill("2000");
    await form.getByRole("button", { name: `Save resources of ${PROVIDER}` }).click();
    await expect(form.getByText(/^Incoming transform: does not compile: /)).toBeVisible();
    await expect(form.getByText(/^Expected status: HTTP status codes 100–599/)).toBeVisible();
    await expect(form.getByLabel("Incoming transform (sms_otp_2)", { exact: true })).toHaveAttribute("aria-invalid", "true");
    await expect(page.getByRole("dialog", { name: "Confirm it's you" })).toBeHidden();
  });

  await test.step("try it: the dialect's answer through sms_otp_2's incoming transform matches the contract", async () => {
    const panel = page.getByRole("form", { name: `Try a transform: ${PROVIDER}` });
    await panel.getByLabel("Resource").selectOption("sms_otp_2");
    await panel.getByLabel("Direction").selectOption("incoming");
    await panel.getByLabel("Expression").fill(DIALECT_RESOURCES.sms_otp_2.incoming);
    await panel.getByLabel("Sample variables (JSON)").fill('{"body": {"txnRef": "dx-1234567890", "user": "dana@example.com", "decision": "APPROVED"}, "status_code": 200}');
    await panel.getByRole("button", { name: "Run" }).click();
    const result = panel.getByRole("region", { name: "Transform result" });
    await expect(result).toContainText("Matches the contract's validate response.");
    await expect(result.getByLabel("Output")).toContainText('"status": "SUCCESS"');

    await panel.getByLabel("Sample variables (JSON)").fill('{"body": {"txnRef": "dx-1234567890", "user": "dana@example.com", "decision": "MAYBE"}}');
    await panel.getByRole("button", { name: "Run" }).click();
    await expect(result).toContainText("At run time this is a provider fault");
    await expect(result).toContainText("No such key: MAYBE");
  });
});

test("adapted only by the console, the dialect provider signs a user in and authorises a transfer", async ({ page, browser, makeUser }) => {
  test.setTimeout(90_000); // an admin's configuration, then a customer's sign-in and transfer
  const admin = await makeUser("admin");
  const user = await makeUser("dialect");
  const adminPage = await (await browser.newContext()).newPage();
  await test.step("the admin types the dialect's resources into the console and saves them with MFA", async () => {
    await signIn(adminPage, admin);
    // From the contract's defaults, so the save below is a change (and audited) even when an
    // earlier attempt of this test already saved the dialect.
    await configure(adminPage, admin, Object.fromEntries(Object.keys(DIALECT_RESOURCES).map((name) => [name, {}])));
    await configure(adminPage, admin, DIALECT_RESOURCES);
  });
  await test.step("the change is in the audit log, resource by resource", async () => {
    await adminPage.goto(`/admin/audit?action=provider.changed&user=${admin.username}`);
    await expect(adminPage.getByRole("table", { name: "Audit events" })).toContainText("resources.sms_otp_2");
  });
  await test.step("sign-in: the SMS code through the dialect", async () => {
    dx.hits.length = 0;
    await signIn(page, user, { mfa: false });
    await waitForHydration(page);
    await sendAndEnter(page, () => dx.codeFor(emailOf(user)));
    await page.waitForURL((url) => url.pathname === "/dashboard");
    // Its own paths only: the capability's validate endpoint, never the contract's /v1/….
    expect(dx.hits).toContain("POST /dx/challenges");
    expect(dx.hits.some((h) => /^POST \/dx\/challenges\/[^/]+\/sms-answer$/.test(h))).toBe(true);
    expect(dx.hits.some((h) => h.includes("/v1/"))).toBe(false);
  });
  await test.step("a transfer of 1,500.00 is authorised by an SMS code through the dialect", async () => {
    const dialog = await sendToPayeeWithStepUp(page, user, "1500");
    await dialog.getByRole("radiogroup").getByRole("radio", { name: /^Text message/ }).check();
    await sendAndEnter(dialog, () => dx.codeFor(emailOf(user)));
    await expect(page.getByText(`Sent €1,500.00 to ${user.payee.name}.`)).toBeVisible();
    await expect(dialog).toBeHidden();
  });
});

test("a transform that breaks at run time fails closed: a clear message, nothing counted, audited", async ({ page, browser, makeUser }) => {
  test.setTimeout(90_000);
  const admin = await makeUser("admin");
  const user = await makeUser("dialect");
  const adminPage = await (await browser.newContext()).newPage();
  await signIn(adminPage, admin);
  // Compiles, but the dialect's "APPROVED" is not a key of its map: a runtime error on every answer.
  const broken = `{"transactionId": body.txnRef, "uniqueName": body.user, "capability": "sms_otp", "status": {"OK": "SUCCESS"}[body.decision]}`;
  try {
    await test.step("the admin saves a validate transform that cannot map the answer", async () => {
      await configure(adminPage, admin, { ...DIALECT_RESOURCES, sms_otp_2: { ...DIALECT_RESOURCES.sms_otp_2, incoming: broken } });
    });
    await test.step("the right code gets the unavailable message, not a sign-in and not a failure", async () => {
      await signIn(page, user, { mfa: false });
      await waitForHydration(page);
      await sendAndEnter(page, () => dx.codeFor(emailOf(user)));
      await expect(formAlert(page)).toHaveText(UNAVAILABLE);
      await expect(page).toHaveURL(/\/mfa/);
    });
    await test.step("nothing was counted: the authenticator app signs in at once, with no wait", async () => {
      await expect(page.getByTestId("countdown")).toHaveCount(0);
      await page.getByRole("radiogroup").getByRole("radio", { name: /^Authenticator app/ }).check();
      await page.getByRole("textbox", { name: "6-digit code" }).fill(await freshTotp(user.totpSecret!));
      await page.getByRole("button", { name: "Verify" }).click();
      await page.waitForURL((url) => url.pathname === "/dashboard");
    });
    await test.step("the fault is audited with the resource and the reason", async () => {
      await adminPage.goto(`/admin/audit?action=mfa.provider_fault&user=${user.username}`);
      const table = adminPage.getByRole("table", { name: "Audit events" });
      await expect(table).toContainText("sms_otp_2: transform");
      await expect(table).toContainText("No such key: APPROVED");
      await adminPage.goto(`/admin/audit?action=mfa.verify&user=${user.username}`);
      await expect(adminPage.getByRole("table", { name: "Audit events" })).not.toContainText("failed");
    });
  } finally {
    await test.step("put the working transforms back", async () => {
      await configure(adminPage, admin, DIALECT_RESOURCES);
    });
  }
});
