import type { BrowserContext, Page } from "@playwright/test";
import { advanceClock, expect, formAlert, MOVES_CLOCK, signIn, test, waitForHydration, type PoolUser } from "./fixtures";

/** Opens the mock provider's device page for `user` in a second tab. */
async function openDevice(context: BrowserContext, user: PoolUser): Promise<Page> {
  const device = await context.newPage();
  await device.goto(`/mock-provider/device?user=${encodeURIComponent(user.username)}`);
  return device;
}

/** Password, then the /mfa page with the push factor's target list. */
async function reachPush(page: Page, user: PoolUser) {
  await signIn(page, user, { mfa: false });
  await expect(page).toHaveURL(/\/mfa/);
  await waitForHydration(page);
  await expect(page.getByRole("heading", { name: "Approve the request on your phone" })).toBeVisible();
  await expect(page.getByRole("radio", { name: `Push to ${user.displayName}'s phone` })).toBeChecked();
}

async function sendPush(page: Page): Promise<number> {
  await page.getByRole("button", { name: "Send push" }).click();
  const shown = page.getByTestId("number-to-match");
  await expect(shown).toHaveText(/^\d{2}$/);
  return Number(await shown.textContent());
}

test("sign-in with a push approved on the device by picking the number the bank shows", async ({ page, context, makeUser }) => {
  const user = await makeUser("commercial_ext");
  await reachPush(page, user);
  const number = await test.step("send: the waiting screen shows a 2-digit number and a countdown", async () => {
    const n = await sendPush(page);
    await expect(page.getByTestId("push-countdown")).toHaveText(/^\d+$/);
    await expect(page.getByRole("button", { name: "Cancel request" })).toBeVisible();
    return n;
  });
  await test.step("the device offers three numbers and Deny; picking the shown one approves", async () => {
    const device = await openDevice(context, user);
    const request = device.getByRole("article", { name: "Push request" });
    await expect(request.getByRole("button")).toHaveCount(4);
    await expect(request.getByRole("button", { name: "Deny" })).toBeVisible();
    await request.getByRole("button", { name: String(number), exact: true }).click();
    await expect(request).toHaveCount(0); // answered: no longer pending
  });
  await test.step("the waiting screen notices and signs in", async () => {
    await page.waitForURL((url) => url.pathname === "/dashboard");
    await expect(page.getByRole("heading", { name: /Hello/ })).toBeVisible();
  });
});

test("a denied push fails (counted) and the user can send another and approve it", async ({ page, context, makeUser }) => {
  test.setTimeout(60_000); // three pushes, two backoff delays and 2 s polls
  const user = await makeUser("commercial_ext");
  await reachPush(page, user);
  const device = await openDevice(context, user);
  await test.step("deny on the device", async () => {
    await sendPush(page);
    await device.reload();
    await device.getByRole("article", { name: "Push request" }).getByRole("button", { name: "Deny" }).click();
    await expect(formAlert(page)).toContainText("The request was denied on your device.");
  });
  await test.step("a wrong number is a denial too", async () => {
    await expect(page.getByRole("button", { name: "Send push" })).toBeEnabled({ timeout: 15_000 });
    const number = await sendPush(page);
    await device.reload();
    const request = device.getByRole("article", { name: "Push request" });
    const buttons = await request.getByRole("button").allTextContents();
    const wrong = buttons.find((b) => /^\d+$/.test(b) && Number(b) !== number)!;
    await request.getByRole("button", { name: wrong, exact: true }).click();
    await expect(formAlert(page)).toContainText("The request was denied on your device.");
  });
  await test.step("a new push, approved, signs in", async () => {
    await expect(page.getByRole("button", { name: "Send push" })).toBeEnabled({ timeout: 15_000 });
    const number = await sendPush(page);
    await device.reload();
    await device.getByRole("article", { name: "Push request" }).getByRole("button", { name: String(number), exact: true }).click();
    await page.waitForURL((url) => url.pathname === "/dashboard");
  });
});

test("a push left alone times out (5 s for this user): nothing counted, a new one can be sent", { tag: MOVES_CLOCK }, async ({ page, makeUser }) => {
  const user = await makeUser("commercial_ext_quick");
  await reachPush(page, user);
  await sendPush(page);
  // The provider decides the timeout on the bank's clock: 6 s pass at once, and the waiting
  // screen's next poll (every 2 s) hears it.
  await advanceClock(6);
  await expect(page.getByRole("status").filter({ hasText: "The request timed out. Send a new one." })).toBeVisible();
  await expect(page.getByRole("button", { name: "Send push" })).toBeEnabled();
  await test.step("cancel from the waiting screen returns to the choice", async () => {
    await sendPush(page);
    await page.getByRole("button", { name: "Cancel request" }).click();
    await expect(page.getByRole("button", { name: "Send push" })).toBeVisible();
  });
});

test("one user's approved push is useless to another user's session", async ({ browser, page, context, makeUser }) => {
  test.setTimeout(60_000); // two users' sign-ins, two pushes, then several polls
  const alice = await makeUser("commercial_ext");
  const bob = await makeUser("commercial_ext");
  const bobContext = await browser.newContext();
  const bobPage = await bobContext.newPage();
  try {
    await reachPush(page, alice);
    await reachPush(bobPage, bob);
    // Bob's waiting screen polls through the sign-in answer's route handler (the script's way
    // to the verifySignIn action, lib/http/script-endpoint.ts): count the answered ones (a
    // response came back). Once his push is sent his page makes no other such call, so every
    // one counted after that is a poll. Not by the request's body, nor by "requestfinished": in
    // Chromium a multipart body is not always at hand, and not every streamed answer reports
    // its end — either way the count lagged the polls the trace shows.
    let bobPolls = 0;
    bobPage.on("response", (r) => {
      if (r.request().method() === "POST" && new URL(r.url()).pathname === "/api/sign-in/answer") bobPolls++;
    });
    const aliceNumber = await sendPush(page);
    await sendPush(bobPage);
    const device = await openDevice(context, alice);
    const aliceTxn = await device.getByRole("article", { name: "Push request" }).locator('input[name="transactionId"]').inputValue();

    await test.step("bob's poll carries alice's transaction id and SUCCESS: ignored, the server uses its own", async () => {
      await bobPage.evaluate((txn) => {
        const form = document.querySelector('form[aria-label="Check the request"]')!;
        for (const [name, value] of [["txn", txn], ["status", "SUCCESS"], ["transactionId", txn]]) {
          const input = document.createElement("input");
          input.type = "hidden";
          input.name = name;
          input.value = value;
          form.appendChild(input);
        }
      }, aliceTxn);
    });
    await test.step("alice approves hers: alice is in, bob still waits", async () => {
      await device.getByRole("article", { name: "Push request" }).getByRole("button", { name: String(aliceNumber), exact: true }).click();
      await page.waitForURL((url) => url.pathname === "/dashboard");
      // Polled, not slept: bob's screen must have asked the server at least twice more, each
      // answered, after alice's approval, and still be waiting.
      const answered = bobPolls;
      await expect.poll(() => bobPolls, { timeout: 15_000 }).toBeGreaterThanOrEqual(answered + 2);
      await expect(bobPage).toHaveURL(/\/mfa/);
      await expect(bobPage.getByTestId("number-to-match")).toBeVisible();
      await bobPage.goto("/dashboard");
      await expect(bobPage).toHaveURL(/\/(login|mfa)/);
    });
  } finally {
    await bobContext.close();
  }
});
