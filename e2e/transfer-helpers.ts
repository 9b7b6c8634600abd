import { expect, type Locator, type Page } from "@playwright/test";
import { waitForHydration, type PoolUser } from "./fixtures";

/** From /transfer, sends `amount` (e.g. "1500") to the user's payee; returns the step-up dialog, open. */
export async function sendToPayeeWithStepUp(page: Page, user: PoolUser, amount: string): Promise<Locator> {
  const payeeLabel = `${user.payee.name} ••${user.payee.accountNumber.slice(-4)}`;
  await page.goto("/transfer");
  await waitForHydration(page);
  await page.getByLabel("To").selectOption({ label: payeeLabel });
  await page.getByLabel("Amount (EUR)").fill(amount);
  await page.getByRole("button", { name: "Send money" }).click();
  const dialog = page.getByRole("dialog", { name: "Confirm it's you" });
  await expect(dialog).toBeVisible();
  return dialog;
}
