import { expect, signIn, signOut, submitLogin, test, waitForHydration } from "./fixtures";

test("recovery codes: shown once, each works once at /mfa", async ({ page, makeUser }) => {
  test.setTimeout(60_000); // a whole journey
  const user = await makeUser("retail_totp");
  let codes: string[] = [];

  await test.step("generate codes on the Security page", async () => {
    await signIn(page, user);
    await page.goto("/security");
    await waitForHydration(page);
    await expect(page.getByTestId("recovery-remaining")).toHaveText("0");
    await page.getByRole("button", { name: "Generate recovery codes" }).click();
    const list = page.getByRole("list", { name: "Your new recovery codes" });
    await expect(list.getByRole("listitem")).toHaveCount(10);
    codes = await list.getByRole("listitem").allInnerTexts();
    for (const c of codes) expect(c).toMatch(/^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$/);
    await expect(page.getByRole("link", { name: "Download .txt" })).toHaveAttribute("download", "mfa-bank-recovery-codes.txt");
    await page.reload();
    await expect(page.getByTestId("recovery-remaining")).toHaveText("10");
    expect(await page.content()).not.toContain(codes[0]!);
  });

  await test.step("a recovery code signs in once", async () => {
    await signOut(page);
    await page.goto("/login");
    await submitLogin(page, user.username, user.password);
    await page.waitForURL(/\/mfa/);
    await waitForHydration(page);
    await page.getByRole("radio", { name: /Recovery code/ }).check();
    await page.getByRole("textbox", { name: "Recovery code" }).fill(codes[0]!.toLowerCase());
    await page.getByRole("button", { name: "Use recovery code" }).click();
    await page.waitForURL(/\/dashboard$/);
    // The page after the sign-in says how many are left.
    await expect(page.getByRole("status").filter({ hasText: "You signed in with a recovery code. You have 9 recovery codes left; each one works once." })).toBeVisible();
    await page.goto("/security");
    await expect(page.getByTestId("recovery-remaining")).toHaveText("9");
  });

  await test.step("the same code is refused the second time", async () => {
    await signOut(page);
    await page.goto("/login");
    await submitLogin(page, user.username, user.password);
    await page.waitForURL(/\/mfa/);
    await waitForHydration(page);
    await page.getByRole("radio", { name: /Recovery code/ }).check();
    await page.getByRole("textbox", { name: "Recovery code" }).fill(codes[0]!);
    await page.getByRole("button", { name: "Use recovery code" }).click();
    await expect(page.getByText("That recovery code is not valid or was already used.")).toBeVisible();
    await expect(page).toHaveURL(/\/mfa/);
  });
});

test("one recovery code sent from two sign-ins at the same moment signs in exactly one of them", async ({ browser, page, makeUser }) => {
  test.setTimeout(60_000); // codes, then two sign-ins
  const user = await makeUser("retail_totp");
  let code = "";
  await test.step("generate codes", async () => {
    await signIn(page, user);
    await page.goto("/security");
    await waitForHydration(page);
    await page.getByRole("button", { name: "Generate recovery codes" }).click();
    const list = page.getByRole("list", { name: "Your new recovery codes" });
    await expect(list.getByRole("listitem")).toHaveCount(10);
    code = (await list.getByRole("listitem").first().innerText()).trim();
  });

  // Two browsers, each with its own pending session, both with the code typed in.
  const contexts = [await browser.newContext(), await browser.newContext()];
  try {
    const pages = await Promise.all(contexts.map((c) => c.newPage()));
    for (const p of pages) {
      await p.goto("/login");
      await submitLogin(p, user.username, user.password);
      await p.waitForURL(/\/mfa/);
      await waitForHydration(p);
      await p.getByRole("radio", { name: /Recovery code/ }).check();
      await p.getByRole("textbox", { name: "Recovery code" }).fill(code);
    }
    await test.step("both submit at once: one is signed in, the other is refused", async () => {
      // Each browser's request is held until both have been sent, then both go to the server
      // together: the race is on the server, not in the order of the clicks.
      let sent = 0;
      let release = () => {};
      const bothSent = new Promise<void>((resolve) => (release = resolve));
      for (const p of pages) {
        await p.route(
          // The answer goes to the sign-in answer's route handler (lib/http/script-endpoint.ts).
          (url) => url.pathname === "/api/sign-in/answer",
          async (route) => {
            if (route.request().method() !== "POST") return route.continue();
            if (++sent === 2) release();
            await bothSent;
            await route.continue();
          },
        );
      }
      await Promise.all(pages.map((p) => p.getByRole("button", { name: "Use recovery code" }).click()));
      await bothSent;
      const refusal = (p: (typeof pages)[number]) => p.getByText("That recovery code is not valid or was already used.");
      const outcome = async (p: (typeof pages)[number]) =>
        new URL(p.url()).pathname === "/dashboard" ? "in" : (await refusal(p).isVisible()) ? "refused" : "waiting";
      await expect.poll(async () => (await Promise.all(pages.map(outcome))).sort()).toEqual(["in", "refused"]);
    });
    await test.step("exactly one code was spent", async () => {
      await page.goto("/security");
      await expect(page.getByTestId("recovery-remaining")).toHaveText("9");
    });
  } finally {
    await Promise.all(contexts.map((c) => c.close()));
  }
});
