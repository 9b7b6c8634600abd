import { expect, signIn, signOut, test } from "./fixtures";

test("signing out ends the session, says so once, and the old cookie no longer works", async ({ page, context, makeUser }) => {
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
    await expect(page.getByRole("status").filter({ hasText: "You signed out." })).toBeVisible();
    expect((await context.cookies()).map((c) => c.name)).not.toContain("mfa-bank.session");
  });

  await test.step("said once: the address forgets it, and a reload says nothing", async () => {
    await expect(page).toHaveURL((url) => url.pathname === "/login" && url.search === "");
    await page.reload();
    await expect(page.getByRole("heading", { name: "Sign in to MFA Bank" })).toBeVisible();
    await expect(page.getByText("You signed out.")).toHaveCount(0);
  });

  await test.step("replaying the old cookie is refused", async () => {
    await context.addCookies(oldCookies);
    expect((await context.cookies()).map((c) => c.name)).toContain("mfa-bank.session");
    await page.goto("/dashboard");
    await expect(page).toHaveURL((url) => url.pathname === "/login");
    await expect(page.getByRole("heading", { name: `Hello, ${user.displayName}` })).toHaveCount(0);
    // The sign-out response already said it: the old cookie's row has nothing more to tell.
    await expect(page.getByRole("heading", { name: "Sign in to MFA Bank" })).toBeVisible();
    await expect(page.getByText("You signed out.")).toHaveCount(0);
  });
});
