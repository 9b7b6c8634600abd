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
