import { expect, type BrowserContext, type Page } from "@playwright/test";

/** The demo phone of `owner` in a new tab of `context`, phone-sized. */
export async function openPhone(context: BrowserContext, owner: string): Promise<Page> {
  const phone = await context.newPage();
  await phone.setViewportSize({ width: 375, height: 812 });
  await phone.goto(`/mock-provider/device?user=${encodeURIComponent(owner)}`);
  await expect(phone.getByRole("heading", { name: `Demo phone · ${owner}` })).toBeVisible();
  return phone;
}

/** The authenticator code the phone shows for `account` now, skipping codes already used (the bank refuses a step twice). */
export async function phoneCode(phone: Page, account: string, used: string[] = []): Promise<string> {
  const code = phone.getByRole("listitem", { name: account }).getByTestId("authenticator-code");
  let value = "";
  await expect(async () => {
    value = (await code.getAttribute("data-code")) ?? "";
    expect(value).toMatch(/^\d{6}$/);
    expect(used).not.toContain(value);
  }).toPass({ timeout: 35_000 });
  return value;
}

/** The newest code the phone received by text message or e-mail (it arrives without a reload). */
export async function receivedCode(phone: Page): Promise<string> {
  const message = phone.getByRole("article", { name: "Delivered code" }).first();
  await expect(message).toContainText(/code is \d{6}/);
  return /code is (\d{6})/.exec((await message.textContent()) ?? "")![1]!;
}
