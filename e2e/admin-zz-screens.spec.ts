import { openUser } from "./admin-helpers";
import { signIn, test, expect } from "./fixtures";

test("screens", async ({ page, makeUser }) => {
  test.setTimeout(60_000);
  const admin = await makeUser("admin");
  const user = await makeUser("retail_totp");
  await page.setViewportSize({ width: 1280, height: 900 });
  await signIn(page, admin);
  await page.goto("/admin/users");
  await page.screenshot({ path: "/tmp/shot-users.png", fullPage: true });
  await openUser(page, user);
  await page.screenshot({ path: "/tmp/shot-user.png", fullPage: true });
  await page.getByRole("button", { name: "Reset MFA", exact: true }).click();
  const confirm = page.getByRole("dialog", { name: /Reset MFA for/ });
  await confirm.getByLabel("Reason").fill("Lost phone; identity checked by callback");
  await page.screenshot({ path: "/tmp/shot-reset-dialog.png" });
  await confirm.getByRole("button", { name: "Reset MFA", exact: true }).click();
  await expect(page.getByRole("dialog", { name: "Confirm it's you" })).toBeVisible();
  await page.screenshot({ path: "/tmp/shot-reset-stepup.png" });
  await page.goto("/admin/settings");
  await page.screenshot({ path: "/tmp/shot-settings.png", fullPage: true });
  await page.goto("/admin/audit");
  await page.screenshot({ path: "/tmp/shot-audit.png", fullPage: true });
  await page.setViewportSize({ width: 390, height: 800 });
  await page.goto("/admin/users");
  await page.screenshot({ path: "/tmp/shot-users-mobile.png", fullPage: true });
});
