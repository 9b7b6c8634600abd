import type { Browser, Page } from "@playwright/test";
import { expect, freshTotp, MOVES_CLOCK, signIn, submitLogin, test, waitForHydration, type PoolUser } from "./fixtures";
import { emailOf, mailLink } from "./mailbox";
import { actionId, callAction } from "./server-actions";
import { answerStepUp, openUser } from "./admin-helpers";

// Several browsers per test, each signing in with TOTP: the new-browser journey has seven steps
// and took 90 s on PostgreSQL with both cores busy.
test.describe.configure({ timeout: 120_000 });

const SIGNED_OUT_ELSEWHERE =
  "This browser was signed out from another device where you are signed in. If that wasn't you, sign in and change your password.";
const REPORTED_NOT_ME =
  "You were signed out on every device because a sign-in was reported as not you. Sign in, and you will be asked to choose a new password.";
const NEW_SIGN_IN = /^New sign-in to your MFA Bank account/;

async function browserPage(browser: Browser, clientAddress: string, userAgent?: string): Promise<Page> {
  const context = await browser.newContext({ extraHTTPHeaders: { "x-forwarded-for": clientAddress }, ...(userAgent ? { userAgent } : {}) });
  return context.newPage();
}

const PHONE_UA =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";

test("the security centre lists both sessions and ending the other one signs that browser out", async ({ browser, makeUser, clientAddress }) => {
  const user = await makeUser("retail_totp");
  const stranger = await makeUser("retail_totp");
  const laptop = await browserPage(browser, clientAddress);
  const phone = await browserPage(browser, clientAddress, PHONE_UA);

  await test.step("signed in on two browsers", async () => {
    await signIn(laptop, user);
    await signIn(phone, user);
    await expect(phone.getByRole("heading", { name: `Hello, ${user.displayName}` })).toBeVisible();
  });

  const list = laptop.getByRole("list", { name: "Where you are signed in" });
  await test.step("the laptop's security centre lists both, this browser marked, the phone by name", async () => {
    await laptop.goto("/security");
    await laptop.getByRole("link", { name: "Devices and sign-ins →" }).click();
    await laptop.waitForURL("**/security/activity");
    await expect(list.getByRole("listitem")).toHaveCount(2);
    await expect(list.getByRole("listitem").first()).toContainText("This browser");
    await expect(list.getByRole("listitem").nth(1)).toContainText("Mobile Safari 17 on Apple iPhone, iOS 17.4");
    await expect(list.getByRole("listitem").nth(1)).not.toContainText("This browser");
    // The history shows the sign-ins with their second step.
    await expect(laptop.getByRole("list", { name: "Sign-in history" }).getByRole("listitem").filter({ hasText: "Authenticator app" })).not.toHaveCount(0);
  });

  await test.step("another customer cannot end that session: a clear refusal, nothing changes", async () => {
    const phoneSession = await list.getByRole("listitem").nth(1).locator('input[name="session"]').getAttribute("value");
    const other = await browserPage(browser, clientAddress);
    await signIn(other, stranger);
    const res = await callAction(other.request, "/security/activity", actionId("app/(bank)/security/activity/actions.ts", "endMySession"), {
      session: phoneSession!,
    });
    expect(res.status).toBeLessThan(500);
    expect(res.body).toContain("That session is not one of yours, or it has already ended. Nothing was changed");
    await phone.goto("/dashboard");
    await expect(phone.getByRole("heading", { name: `Hello, ${user.displayName}` })).toBeVisible();
  });

  await test.step("the laptop signs the phone out", async () => {
    await waitForHydration(laptop);
    await list.getByRole("listitem").nth(1).getByRole("button", { name: /^Sign out this session/ }).click();
    await expect(laptop.getByRole("status").filter({ hasText: "That session is signed out." })).toBeVisible();
    await expect(list.getByRole("listitem")).toHaveCount(1);
    await expect(laptop.getByRole("button", { name: "Sign out all other sessions" })).toBeDisabled();
  });

  await test.step("the phone's next request lands on /login, told why; the laptop stays signed in", async () => {
    await phone.goto("/dashboard");
    await expect(phone).toHaveURL((url) => url.pathname === "/login");
    await expect(phone.getByRole("status").filter({ hasText: SIGNED_OUT_ELSEWHERE })).toBeVisible();
    await laptop.goto("/dashboard");
    await expect(laptop.getByRole("heading", { name: `Hello, ${user.displayName}` })).toBeVisible();
  });
});

test("sign out all other sessions keeps this browser only", async ({ browser, makeUser, clientAddress }) => {
  const user = await makeUser("retail_totp");
  const [a, b, c] = [await browserPage(browser, clientAddress), await browserPage(browser, clientAddress), await browserPage(browser, clientAddress)];
  for (const p of [a, b, c]) await signIn(p, user);
  await a.goto("/security/activity");
  await waitForHydration(a);
  await expect(a.getByRole("list", { name: "Where you are signed in" }).getByRole("listitem")).toHaveCount(3);
  await a.getByRole("button", { name: "Sign out all other sessions" }).click();
  await expect(a.getByRole("status").filter({ hasText: "Signed out 2 other sessions. This browser stays signed in." })).toBeVisible();
  await expect(a.getByRole("list", { name: "Where you are signed in" }).getByRole("listitem")).toHaveCount(1);
  for (const p of [b, c]) {
    await p.goto("/dashboard");
    await expect(p).toHaveURL((url) => url.pathname === "/login");
    await expect(p.getByRole("status").filter({ hasText: "You were signed out because you chose to sign out on all your devices." })).toBeVisible();
  }
});

async function signInAgain(page: Page, user: PoolUser, password: string): Promise<void> {
  await page.goto("/login");
  await submitLogin(page, user.username, password);
  await page.waitForURL((url) => url.pathname === "/mfa");
  await waitForHydration(page);
  await page.getByLabel("6-digit code").fill(await freshTotp(user.totpSecret!));
  await page.getByRole("button", { name: "Verify" }).click();
  await page.waitForURL((url) => !url.pathname.startsWith("/mfa"));
}

// Five sign-ins of one customer, each with a TOTP code: more than the three codes the server
// accepts within one 30-s step, so the test moves the bank's clock to the next step rather
// than wait for it (freshTotp), and runs alone in the clock project.
test("a sign-in from a new browser mails the customer, and the mail's link ends every session and asks for a new password", { tag: MOVES_CLOCK }, async ({
  browser,
  makeUser,
  clientAddress,
}) => {
  const user = await makeUser("retail_totp");
  const laptop = await browserPage(browser, clientAddress);
  const phone = await browserPage(browser, clientAddress, PHONE_UA);
  const mail = await browserPage(browser, clientAddress);

  let link = "";
  await test.step("the first browser is recorded silently; a second one gets a mail that names it", async () => {
    await signIn(laptop, user);
    await mail.goto(`/mock-provider/mailbox?to=${encodeURIComponent(emailOf(user))}`);
    await expect(mail.getByRole("article", { name: NEW_SIGN_IN })).toHaveCount(0);
    await signIn(phone, user);
    link = await mailLink(mail, emailOf(user), NEW_SIGN_IN);
    await expect(mail.getByRole("article", { name: NEW_SIGN_IN })).toHaveCount(1);
    await expect(mail.getByRole("article", { name: NEW_SIGN_IN })).toContainText("Mobile Safari 17 on Apple iPhone, iOS 17.4");
    expect(link).toMatch(/\/not-me\?token=[A-Za-z0-9_-]{43}$/);
  });

  await test.step("the same browser signing in again sends no second mail", async () => {
    await laptop.goto("/dashboard");
    await laptop.getByRole("button", { name: "Sign out" }).click();
    await laptop.waitForURL((url) => url.pathname === "/login");
    await signIn(laptop, user);
    await mail.goto(`/mock-provider/mailbox?to=${encodeURIComponent(emailOf(user))}`);
    await expect(mail.getByRole("article", { name: NEW_SIGN_IN })).toHaveCount(1);
  });

  await test.step("opening the link only shows the sign-in; the page sends no Referer", async () => {
    const path = new URL(link).pathname + new URL(link).search;
    await mail.goto(path);
    await expect(mail.getByRole("heading", { name: "A sign-in you don't recognise?" })).toBeVisible();
    await expect(mail.getByText("Mobile Safari 17 on Apple iPhone, iOS 17.4")).toBeVisible();
    await expect(mail.locator('meta[name="referrer"]')).toHaveAttribute("content", "no-referrer");
    await mail.reload();
    await expect(mail.getByRole("button", { name: "This wasn't me: sign me out everywhere" })).toBeEnabled();
    await laptop.goto("/dashboard");
    await expect(laptop.getByRole("heading", { name: `Hello, ${user.displayName}` })).toBeVisible();
  });

  await test.step("the button ends every session", async () => {
    await waitForHydration(mail);
    await mail.getByRole("button", { name: "This wasn't me: sign me out everywhere" }).click();
    await expect(mail.getByRole("status").filter({ hasText: "Done: your account is signed out on every device." })).toBeVisible();
    for (const p of [laptop, phone]) {
      await p.goto("/dashboard");
      await expect(p).toHaveURL((url) => url.pathname === "/login");
      await expect(p.getByRole("status").filter({ hasText: REPORTED_NOT_ME })).toBeVisible();
    }
  });

  await test.step("the link works once", async () => {
    await mail.goto(new URL(link).pathname + new URL(link).search);
    await expect(mail.getByRole("main").getByRole("alert")).toContainText("This link was already used");
    await expect(mail.getByRole("button", { name: /This wasn't me/ })).toHaveCount(0);
    await mail.goto("/not-me?token=garbage");
    await expect(mail.getByRole("main").getByRole("alert")).toContainText("This link is not valid.");
  });

  const newPassword = "plum harbour lantern sings 42";
  await test.step("the next sign-in must choose a new password before anything else", async () => {
    await signInAgain(laptop, user, user.password);
    await expect(laptop).toHaveURL((url) => url.pathname === "/change-password");
    await laptop.goto("/transfer");
    await expect(laptop).toHaveURL((url) => url.pathname === "/change-password");
    await waitForHydration(laptop);
    await laptop.getByLabel("New password", { exact: true }).fill(newPassword);
    await laptop.getByLabel("Repeat new password").fill(newPassword);
    await laptop.getByRole("button", { name: "Change password" }).click();
    await laptop.waitForURL((url) => url.pathname === "/login");
    await expect(laptop.getByText("Your password was changed and every session was signed out.")).toBeVisible();
  });

  await test.step("with the new password the customer is in, and not asked again", async () => {
    await signInAgain(laptop, user, newPassword);
    await expect(laptop.getByRole("heading", { name: `Hello, ${user.displayName}` })).toBeVisible();
  });
});

test("an admin ends one session of a customer from the user page, stepped up and audited; the other stays", async ({ browser, makeUser, clientAddress }) => {
  const admin = await makeUser("admin");
  const user = await makeUser("retail_totp");
  const laptop = await browserPage(browser, clientAddress);
  const phone = await browserPage(browser, clientAddress, PHONE_UA);
  const adminPage = await browserPage(browser, clientAddress);
  await signIn(laptop, user);
  await signIn(phone, user);
  await signIn(adminPage, admin);
  await openUser(adminPage, user);

  const sessions = adminPage.getByRole("table", { name: "Active sessions" });
  await test.step("the user page lists both sessions by device", async () => {
    await expect(sessions.getByRole("row")).toHaveCount(3); // header + 2
    await expect(sessions).toContainText("Mobile Safari 17 on Apple iPhone, iOS 17.4");
  });

  await test.step("End session on the phone's row: a reason, then a fresh code", async () => {
    await sessions.getByRole("button", { name: /^End session: Mobile Safari 17 on Apple iPhone/ }).click();
    const who = `${user.displayName} (${user.username})`;
    const confirm = adminPage.getByRole("dialog", { name: `End this session of ${who}?` });
    await confirm.getByLabel("Reason").fill("Customer called: lost the phone");
    await confirm.getByRole("button", { name: "End session", exact: true }).click();
    await answerStepUp(adminPage, admin, `End one session of ${who}`);
    await expect(sessions.getByRole("row")).toHaveCount(2);
    await expect(sessions).not.toContainText("iPhone");
  });

  await test.step("the phone is told the bank ended it; the laptop is still signed in", async () => {
    await phone.goto("/dashboard");
    await expect(phone).toHaveURL((url) => url.pathname === "/login");
    await expect(phone.getByRole("status").filter({ hasText: "The bank ended your session. Sign in again to continue." })).toBeVisible();
    await laptop.goto("/dashboard");
    await expect(laptop.getByRole("heading", { name: `Hello, ${user.displayName}` })).toBeVisible();
  });

  await test.step("the audit log has it, with the admin, the reason and the device", async () => {
    const csv = await (await adminPage.request.get(`/admin/audit/export?user=${encodeURIComponent(user.username)}&action=session.ended`)).text();
    const line = csv.split(/\r?\n/).find((l) => l.includes("session.ended"));
    expect(line).toContain(admin.username);
    expect(line).toContain("Customer called: lost the phone");
    expect(line).toContain("Mobile Safari 17 on Apple iPhone");
  });
});
