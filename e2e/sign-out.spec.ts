import { expect, signIn, signOut, test } from "./fixtures";

test("signing out ends the session, and the old cookie no longer works", async ({ page, context, makeUser }) => {
  const user = await makeUser("commercial");

  await test.step("sign in", async () => {
    await signIn(page, user);
    await expect(page).toHaveURL(/\/dashboard$/);
  });

  const oldCookies = await test.step("keep a copy of the session cookie", async () => {
    const cookies = await context.cookies();
    expect(cookies.map((c) => c.name)).toContain("mfa-bank.session");
    return cookies;
  });

  await test.step("sign out", async () => {
    await signOut(page);
    await expect(page.getByRole("heading", { name: "Sign in to MFA Bank" })).toBeVisible();
    expect((await context.cookies()).map((c) => c.name)).not.toContain("mfa-bank.session");
  });

  await test.step("replaying the old cookie is refused", async () => {
    await context.addCookies(oldCookies);
    expect((await context.cookies()).map((c) => c.name)).toContain("mfa-bank.session");
    await page.goto("/dashboard");
    await expect(page).toHaveURL((url) => url.pathname === "/login");
    await expect(page.getByRole("heading", { name: `Hello, ${user.displayName}` })).toHaveCount(0);
  });
});
