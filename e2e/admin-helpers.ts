import type { Page } from "@playwright/test";
import { expect, freshTotp, waitForHydration, type PoolUser } from "./fixtures";

/** Shared steps of the admin specs (e2e/admin-*.spec.ts). */

/** Answers the step-up dialog with the admin's next TOTP code. */
export async function answerStepUp(page: Page, admin: PoolUser, description?: string | RegExp): Promise<void> {
  const dialog = page.getByRole("dialog", { name: "Confirm it's you" });
  if (description) await expect(dialog.getByTestId("step-up-description")).toHaveText(description);
  await dialog.getByLabel("6-digit code").fill(await freshTotp(admin.totpSecret!));
  await dialog.getByRole("button", { name: "Verify" }).click();
  await expect(dialog).toBeHidden();
}

/** From the users list, by search, to the user's page. */
export async function openUser(page: Page, user: PoolUser, opts: { lockedOnly?: boolean } = {}): Promise<void> {
  await page.goto("/admin/users");
  await waitForHydration(page);
  await page.getByLabel("Search").fill(user.username);
  if (opts.lockedOnly) await page.getByLabel("Locked only").check();
  await page.getByRole("button", { name: "Search" }).click();
  await page.waitForURL(/\/admin\/users\?/);
  const row = page.getByRole("table", { name: "Users" }).getByRole("row").filter({ hasText: user.username });
  await expect(row).toHaveCount(1);
  if (opts.lockedOnly) await expect(row).toContainText("Locked");
  await row.getByRole("link", { name: user.username }).click();
  await page.waitForURL(new RegExp(`/admin/users/${user.id}$`));
  await expect(page.getByRole("heading", { level: 1, name: user.displayName })).toBeVisible();
  await waitForHydration(page);
}

/**
 * A user action from the user page: the confirmation names the user, takes a reason, then the
 * step-up dialog names the action and the user.
 */
export async function confirmUserAction(
  page: Page,
  admin: PoolUser,
  user: PoolUser,
  a: { button: string; title: string; submit: string; stepUp: string; reason: string },
): Promise<void> {
  await page.getByRole("button", { name: a.button, exact: true }).click();
  const who = `${user.displayName} (${user.username})`;
  const confirm = page.getByRole("dialog", { name: `${a.title} ${who}?` });
  await expect(confirm).toBeVisible();
  await confirm.getByLabel("Reason").fill(a.reason);
  await confirm.getByRole("button", { name: a.submit, exact: true }).click();
  await answerStepUp(page, admin, `${a.stepUp} ${who}`);
  await expect(confirm).toBeHidden();
}
