import { expect, signIn, test } from "./fixtures";

test("another user's account and a malformed id are both not found", async ({ page, makeUser }) => {
  const user = await makeUser("commercial");
  const other = await makeUser("commercial");

  await test.step("sign in", async () => {
    await signIn(page, user);
  });

  await test.step("the user's own account opens", async () => {
    const own = user.accounts[0]!;
    const response = await page.goto(`/accounts/${own.id}`);
    expect(response?.status()).toBe(200);
    await expect(page.getByRole("heading", { level: 1, name: own.name })).toBeVisible();
    await expect(page.getByText(own.number)).toBeVisible();
  });

  await test.step("another user's account id gives 404", async () => {
    const theirs = other.accounts[0]!;
    const response = await page.goto(`/accounts/${theirs.id}`);
    expect(response?.status()).toBe(404);
    await expect(page.getByRole("heading", { name: "Not found" })).toBeVisible();
    await expect(page.getByText(theirs.number)).toHaveCount(0);
  });

  await test.step("malformed ids give 404", async () => {
    for (const id of ["not-a-uuid", "1", "' OR '1'='1", "00000000-0000-0000-0000-00000000000g"]) {
      const response = await page.goto(`/accounts/${encodeURIComponent(id)}`);
      expect(response?.status(), id).toBe(404);
      await expect(page.getByRole("heading", { name: "Not found" })).toBeVisible();
    }
  });
});
