import type { Page } from "@playwright/test";
import { expect, formAlert, freshTotp, signIn, test, waitForHydration, type PoolUser } from "./fixtures";

const money = (minor: number) => new Intl.NumberFormat("en-IE", { style: "currency", currency: "EUR" }).format(minor / 100);

async function openTransfer(page: Page) {
  await page.goto("/transfer");
  await waitForHydration(page);
}

async function fillTransfer(page: Page, to: string, amount: string) {
  await page.getByLabel("To").selectOption({ label: to });
  await page.getByLabel("Amount (EUR)").fill(amount);
  await page.getByRole("button", { name: "Send money" }).click();
}

async function answerDialog(page: Page, user: PoolUser) {
  const dialog = page.getByRole("dialog", { name: "Confirm it's you" });
  await dialog.getByLabel("6-digit code").fill(await freshTotp(user.totpSecret!));
  await dialog.getByRole("button", { name: "Verify" }).click();
}

test("a small transfer needs no MFA; a large one opens the MFA dialog, is authorised as shown, and cannot be replayed", async ({ page, makeUser }) => {
  test.setTimeout(60_000); // a whole journey
  const user = await makeUser("retail_totp");
  const [everyday, savings] = user.accounts;
  const payeeLabel = `${user.payee.name} ••${user.payee.accountNumber.slice(-4)}`;
  await signIn(page, user);
  await expect(page.getByRole("heading", { name: /Hello/ })).toBeVisible();

  await test.step("10.00 between own accounts goes straight through", async () => {
    await openTransfer(page);
    await fillTransfer(page, `${savings!.name} ••${savings!.number.slice(-4)}`, "10.00");
    await expect(page.getByText("Sent €10.00 to Savings.")).toBeVisible();
    await expect(page.getByRole("dialog")).toBeHidden();
    // The page comes back in the action's answer with the new state: balance and history line (newest first).
    await expect(page.getByLabel("From")).toContainText(money(everyday!.balanceMinor - 1000));
    await expect(page.getByRole("listitem").filter({ hasText: `${everyday!.name} → Savings` }).first()).toContainText(money(1000));
  });

  let retried: { url: string; headers: Record<string, string>; body: Buffer } | null = null;
  await test.step("1,500.00 to a payee opens the dialog, which names the transfer; TOTP; done", async () => {
    page.on("request", (r) => {
      if (r.method() === "POST" && r.headers()["next-action"] && (r.postData() ?? "").includes("grantId")) {
        retried = { url: r.url(), headers: r.headers(), body: r.postDataBuffer()! };
      }
    });
    await fillTransfer(page, payeeLabel, "1500");
    const dialog = page.getByRole("dialog", { name: "Confirm it's you" });
    await expect(dialog.getByTestId("step-up-description")).toHaveText(`Transfer €1,500.00 to ${payeeLabel}`);
    await answerDialog(page, user);
    await expect(page.getByText(`Sent €1,500.00 to ${user.payee.name}.`)).toBeVisible();
    await expect(dialog).toBeHidden();
    await page.goto("/dashboard");
    await expect(page.getByText(money(everyday!.balanceMinor - 1000 - 150000))).toBeVisible();
  });

  await test.step("replaying the authorised request moves nothing", async () => {
    expect(retried).not.toBeNull();
    const r = retried!;
    const res = await page.request.post(r.url, { headers: r.headers, data: r.body, maxRedirects: 0 });
    expect(res.status()).toBeLessThan(500);
    const body = await res.text();
    expect(body).not.toContain("Sent €1,500.00");
    expect(body).toMatch(/mfa_required|already made/);
    await page.goto("/dashboard");
    await expect(page.getByText(money(everyday!.balanceMinor - 1000 - 150000))).toBeVisible();
  });
});

test("cancelling the dialog moves nothing; a blocked amount is refused with a clear message", async ({ page, makeUser }) => {
  const user = await makeUser("retail_totp");
  const everyday = user.accounts[0]!;
  const payeeLabel = `${user.payee.name} ••${user.payee.accountNumber.slice(-4)}`;
  await signIn(page, user);
  await expect(page.getByRole("heading", { name: /Hello/ })).toBeVisible();
  await openTransfer(page);

  await test.step("cancel", async () => {
    await fillTransfer(page, payeeLabel, "2000");
    const dialog = page.getByRole("dialog", { name: "Confirm it's you" });
    await expect(dialog).toBeVisible();
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await expect(dialog).toBeHidden();
    // The user chose to stop: told calmly as a status, not as an error alert.
    const told = page.getByRole("main").getByRole("status").filter({ hasText: "Transfer cancelled. No money was moved." });
    await expect(told).toBeVisible();
    await expect(told).toHaveClass(/bg-brand-50/);
    await expect(formAlert(page)).toHaveCount(0);
    await expect(page.getByLabel("Amount (EUR)")).toHaveValue("2000"); // the form keeps its data
  });

  await test.step("blocked", async () => {
    await page.getByLabel("Amount (EUR)").fill("20000");
    await page.getByRole("button", { name: "Send money" }).click();
    await expect(formAlert(page)).toContainText("cannot be made online");
    await expect(page.getByRole("dialog")).toBeHidden();
  });

  await page.goto("/dashboard");
  await expect(page.getByText(money(everyday.balanceMinor))).toBeVisible();
});

test("adding a payee needs MFA, and a transfer to a payee added today does too", async ({ page, makeUser }) => {
  const user = await makeUser("retail_totp");
  await signIn(page, user);
  await expect(page.getByRole("heading", { name: /Hello/ })).toBeVisible();

  await test.step("add Jane Doe through the dialog", async () => {
    await page.goto("/payees");
    await waitForHydration(page);
    await page.getByLabel("Payee name").fill("Jane Doe");
    await page.getByLabel("IBAN").fill("NL91 ABNA 0417 1641 234");
    await page.getByRole("button", { name: "Add payee" }).click();
    const dialog = page.getByRole("dialog", { name: "Confirm it's you" });
    await expect(dialog.getByTestId("step-up-description")).toHaveText("Add payee Jane Doe ••1234");
    await answerDialog(page, user);
    await expect(page.getByText("Jane Doe added.")).toBeVisible();
    await expect(page.getByRole("list", { name: "Your payees" })).toContainText("Jane Doe");
  });

  await test.step("5.00 to the new payee asks for MFA", async () => {
    await openTransfer(page);
    await fillTransfer(page, "Jane Doe ••1234", "5");
    const dialog = page.getByRole("dialog", { name: "Confirm it's you" });
    await expect(dialog.getByTestId("step-up-description")).toHaveText("Transfer €5.00 to Jane Doe ••1234");
    await answerDialog(page, user);
    await expect(page.getByText("Sent €5.00 to Jane Doe.")).toBeVisible();
  });
});

test("bad amounts get a clear field error and move nothing", async ({ page, makeUser }) => {
  const user = await makeUser("commercial");
  const savings = user.accounts[1]!;
  await signIn(page, user);
  await expect(page.getByRole("heading", { name: /Hello/ })).toBeVisible();
  await openTransfer(page);
  for (const bad of ["-1", "0", "0.001", "1e9", "NaN", "１０", "abc"]) {
    await fillTransfer(page, `${savings.name} ••${savings.number.slice(-4)}`, bad);
    await expect(page.getByText(/Enter an amount like 125.50|must be more than 0.00/)).toBeVisible();
  }
  await page.goto("/dashboard");
  await expect(page.getByText(money(user.accounts[0]!.balanceMinor))).toBeVisible();
});

test("'To' never offers the paying account, and after a transfer 'From' and 'To' keep what the user chose", async ({ page, makeUser }) => {
  const user = await makeUser("retail_totp");
  const [everyday, savings] = user.accounts;
  const label = (a: { name: string; number: string }) => `${a.name} ••${a.number.slice(-4)}`;
  await signIn(page, user);
  await expect(page.getByRole("heading", { name: /Hello/ })).toBeVisible();
  await openTransfer(page);
  const from = page.getByLabel("From");
  const to = page.getByLabel("To");

  await test.step("the form starts on two different accounts", async () => {
    await expect(from.locator("option:checked")).toHaveText(new RegExp(`^${everyday!.name} `));
    await expect(to.locator("option:checked")).toHaveText(label(savings!));
    await expect(to.getByRole("option", { name: label(everyday!) })).toHaveCount(0);
  });

  await test.step("paying from Savings: Savings leaves 'To', which moves to Everyday", async () => {
    await from.selectOption(savings!.id);
    await expect(to.locator("option:checked")).toHaveText(label(everyday!));
    await expect(to.getByRole("option", { name: label(savings!) })).toHaveCount(0);
  });

  await test.step("after the transfer both choices stay; amount and reference are cleared", async () => {
    await page.getByLabel("Amount (EUR)").fill("5.00");
    await page.getByLabel("Reference (optional)").fill("kept apart");
    await page.getByRole("button", { name: "Send money" }).click();
    await expect(page.getByText(`Sent €5.00 to ${everyday!.name}.`)).toBeVisible();
    await expect(from).toHaveValue(savings!.id);
    await expect(to.locator("option:checked")).toHaveText(label(everyday!));
    await expect(page.getByLabel("Amount (EUR)")).toHaveValue("");
    await expect(page.getByLabel("Reference (optional)")).toHaveValue("");
  });
});
