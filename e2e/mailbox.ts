import { expect, type Page } from "@playwright/test";

/**
 * The newest link in the newest mail matching `subject` for `email`, read from the demo
 * mailbox page. Mail is queued after the response (forgot password), so this polls.
 */
export async function mailLink(page: Page, email: string, subject: RegExp, after = 0): Promise<string> {
  let href: string | null = null;
  await expect(async () => {
    await page.goto(`/mock-provider/mailbox?to=${encodeURIComponent(email)}`);
    const mails = page.getByRole("article", { name: subject });
    expect(await mails.count()).toBeGreaterThan(after);
    href = await mails.first().getByRole("link").first().getAttribute("href");
    expect(href).toBeTruthy();
  }).toPass({ timeout: 20_000 });
  return href!;
}

export async function mailCount(page: Page, email: string, subject: RegExp): Promise<number> {
  await page.goto(`/mock-provider/mailbox?to=${encodeURIComponent(email)}`);
  return page.getByRole("article", { name: subject }).count();
}
