import { expect, type Page } from "@playwright/test";
import { claimPoolUser, signIn } from "./fixtures";

/** The address the e2e pool gives each user (lib/db/test-pool.ts). */
export const emailOf = (u: { username: string }) => `${u.username}@e2e.mfa-bank.example`;

/**
 * The newest link in the newest mail matching `subject` for `email`, read from the demo
 * mailbox page. Mail is queued after the response (forgot password), so this polls. When no
 * mail comes, the failure quotes the latest audit rows for that user (read through the admin
 * audit export), so a throttled or refused request is named, not just "timeout".
 */
export async function mailLink(page: Page, email: string, subject: RegExp, after = 0, timeout = 20_000): Promise<string> {
  let href: string | null = null;
  try {
    await expect(async () => {
      await page.goto(`/mock-provider/mailbox?to=${encodeURIComponent(email)}`);
      const mails = page.getByRole("article", { name: subject });
      expect(await mails.count()).toBeGreaterThan(after);
      href = await mails.first().getByRole("link").first().getAttribute("href");
      expect(href).toBeTruthy();
    }).toPass({ timeout });
  } catch (err) {
    const trail = await auditTrail(page, email).catch((e: unknown) => `(could not read the audit log: ${e instanceof Error ? e.message : String(e)})`);
    throw new Error(`No mail "${subject.source}" for ${email} arrived. Latest audit rows for this user:\n${trail}\n\n${err instanceof Error ? err.message : String(err)}`);
  }
  return href!;
}

export async function mailCount(page: Page, email: string, subject: RegExp): Promise<number> {
  await page.goto(`/mock-provider/mailbox?to=${encodeURIComponent(email)}`);
  return page.getByRole("article", { name: subject }).count();
}

/** The last audit rows (CSV) whose subject is the pool user behind `email`, read by a fresh admin. */
async function auditTrail(page: Page, email: string): Promise<string> {
  const username = email.split("@")[0]!;
  const browser = page.context().browser();
  if (!browser) return "(no browser to sign an admin in)";
  const context = await browser.newContext();
  try {
    const adminPage = await context.newPage();
    await signIn(adminPage, claimPoolUser("admin", `audit trail for ${username}`));
    const res = await adminPage.request.get(`/admin/audit/export?user=${encodeURIComponent(username)}`);
    const lines = (await res.text()).trim().split(/\r?\n/);
    return [lines[0], ...lines.slice(1, 11)].join("\n");
  } finally {
    await context.close();
  }
}
