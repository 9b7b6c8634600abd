import { expect, signIn, test, waitForHydration } from "./fixtures";

/**
 * Settings the console refuses: a clear message per field, no step-up asked, nothing changed.
 * Nothing is saved, so these run beside the parallel specs; the ones that change bank-wide
 * settings are in admin-settings.spec.ts, which runs alone (playwright.config.ts).
 */

test("invalid settings get a clear message per field and change nothing", async ({ page, makeUser }) => {
  const admin = await makeUser("admin");
  await signIn(page, admin);
  await page.goto("/admin/settings");
  await waitForHydration(page);
  const form = page.getByRole("form", { name: "Security policy" });
  const threshold = await form.getByLabel("Lockout threshold").inputValue();
  // One unit per field, named in the label: the row's 1000 and 300000 ms show as seconds.
  await expect(form.getByLabel("Backoff base (seconds)")).toHaveValue("1");
  await expect(form.getByLabel("Backoff cap (seconds)")).toHaveValue("300");
  await form.getByLabel("Lockout threshold").fill("0");
  await form.getByLabel("MFA token lifetime (minutes)").fill("five");
  await form.getByLabel("Backoff cap (seconds)").fill("5 min");
  await form.getByLabel("Block amount (EUR)").fill("10.00");
  await form.getByRole("button", { name: "Save policy" }).click();
  await expect(form.getByText("Lockout threshold: enter a whole number from 1 to 100 attempts.")).toBeVisible();
  await expect(form.getByText("MFA token lifetime: enter a whole number from 1 to 60 minutes.")).toBeVisible();
  await expect(form.getByText("Backoff cap: enter a number of seconds from 0 to 3600, like 1 or 0.5 (at most 3 decimals).")).toBeVisible();
  await expect(form.getByLabel("Lockout threshold")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByRole("dialog", { name: "Confirm it's you" })).toBeHidden();

  await form.getByLabel("Lockout threshold").fill(threshold);
  await form.getByLabel("MFA token lifetime (minutes)").fill("5");
  await form.getByLabel("Backoff cap (seconds)").fill("300");
  await form.getByRole("button", { name: "Save policy" }).click();
  await expect(form.getByText("The block amount must be above the step-up amount")).toBeVisible();
  await expect(page.getByRole("dialog", { name: "Confirm it's you" })).toBeHidden();

  const profile = page.getByRole("form", { name: "MFA profile: Retail customers" });
  // Every factor that works on its own leaves the sign-in list (the first of each pair).
  for (const primary of ["Authenticator app", "Passkey"]) await profile.getByRole("checkbox", { name: primary, exact: true }).first().uncheck();
  await profile.getByRole("button", { name: /Save/ }).click();
  await expect(profile.getByText("Pick at least one factor that works on its own")).toBeVisible();
  await expect(page.getByRole("dialog", { name: "Confirm it's you" })).toBeHidden();

  await page.reload();
  await expect(page.getByRole("form", { name: "Security policy" }).getByLabel("Lockout threshold")).toHaveValue(threshold);
});

test("a provider's base URL on another host without new credentials is refused per field and changes nothing", async ({ page, makeUser }) => {
  const admin = await makeUser("admin");
  await signIn(page, admin);
  await page.goto("/admin/settings");
  await waitForHydration(page);
  const form = page.getByRole("form", { name: "Provider: Mock provider" });
  await expect(form.getByLabel("Base URL")).toHaveValue("");

  await test.step("credentials in the URL are refused", async () => {
    await form.getByLabel("Base URL").fill("https://bank:hunter2@verify.example.net/api");
    await form.getByRole("button", { name: "Save Mock provider" }).click();
    await expect(form.getByText("Base URL: no user name or password in the URL")).toBeVisible();
    await expect(form.getByLabel("Base URL")).toHaveAttribute("aria-invalid", "true");
  });

  await test.step("another host without the client id and secret: both fields say why, no MFA is asked", async () => {
    await form.getByLabel("Base URL").fill("  https://verify.example.net/api  ");
    await form.getByRole("button", { name: "Save Mock provider" }).click();
    const why = "The base URL moves to another host (https://verify.example.net): enter the client ID and client secret that host issued.";
    await expect(form.getByLabel("Client ID")).toHaveAttribute("aria-invalid", "true");
    await expect(form.getByLabel("Client secret")).toHaveAttribute("aria-invalid", "true");
    await expect(form.getByText(why)).toHaveCount(2);
    await expect(page.getByRole("dialog", { name: "Confirm it's you" })).toBeHidden();
  });

  await test.step("only the secret is still not enough", async () => {
    await form.getByLabel("Client secret").fill("a-secret-for-the-new-host");
    await form.getByRole("button", { name: "Save Mock provider" }).click();
    await expect(form.getByLabel("Client ID")).toHaveAttribute("aria-invalid", "true");
    await expect(page.getByRole("dialog", { name: "Confirm it's you" })).toBeHidden();
  });

  await test.step("nothing changed, and the refusal never carried the secret", async () => {
    await page.reload();
    await expect(page.getByRole("form", { name: "Provider: Mock provider" }).getByLabel("Base URL")).toHaveValue("");
    await page.goto(`/admin/audit?action=admin.provider&user=${admin.username}`);
    const table = page.getByRole("table", { name: "Audit events" });
    await expect(table.getByRole("row").nth(1)).toContainText("refused");
    await expect(table).not.toContainText("a-secret-for-the-new-host");
    await expect(table).toContainText("clientSecret: changed");
  });
});
