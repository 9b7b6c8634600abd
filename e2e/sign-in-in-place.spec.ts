import { expect, formAlert, freshTotp, submitLogin, test, waitForHydration } from "./fixtures";

/**
 * After a right password the form turns into the second step in place — the password step
 * answers with the challenge as JSON (its route handler, lib/http/script-endpoint.ts), no page is
 * rendered or loaded for it — and the MFA answer sends the browser on by a client navigation. Without JavaScript the same sign-in works as
 * plain form posts and redirects (progressive enhancement).
 */

test("with JavaScript, the code step appears in place and /mfa serves a reload", async ({ page, makeUser }) => {
  const user = await makeUser("retail_totp");
  // Every document or RSC request for /mfa: the in-place step makes none.
  const mfaLoads: string[] = [];
  page.on("request", (r) => {
    if (new URL(r.url()).pathname === "/mfa" && r.method() === "GET") mfaLoads.push(r.url());
  });
  // Every POST and what came back: each step goes to its route handler and gets JSON, never a
  // rendered page (lib/http/script-endpoint.ts).
  const posts: string[] = [];
  page.on("response", (r) => {
    if (r.request().method() === "POST") posts.push(`${new URL(r.url()).pathname} ${(r.headers()["content-type"] ?? "").split(";")[0]}`);
  });
  await page.goto("/login");
  await waitForHydration(page);
  await submitLogin(page, user.username, user.password);
  await expect(page.getByRole("heading", { name: "Verify it's you" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Verify it's you" })).toBeFocused();
  await expect(page.getByText(`To finish signing in as ${user.username}`)).toBeVisible();
  // The address says where a reload lands: /mfa, which renders the same step for the pending session.
  await expect(page).toHaveURL(/\/mfa\?callbackUrl=%2Fdashboard$/);
  expect(mfaLoads).toEqual([]);
  await expect(page.getByRole("heading", { name: "Lost access to your authenticator?" })).toBeVisible();

  // A wrong code is answered in place; then the right one goes on to the dashboard.
  await page.getByLabel("6-digit code").fill("000000");
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByText("That code is not right").first()).toBeVisible();
  // The field is cleared and focused again once the backoff countdown is over; its description is the reason.
  await expect(page.getByLabel("6-digit code")).toBeFocused();
  await expect(page.getByLabel("6-digit code")).toHaveValue("");
  await expect(page.getByLabel("6-digit code")).toHaveAccessibleDescription(/That code is not right/);
  await page.reload();
  await expect(page.getByRole("heading", { name: "Verify it's you" })).toBeVisible();
  expect(mfaLoads.length).toBe(1); // the reload
  await waitForHydration(page);
  const dashboardLoads: string[] = [];
  page.on("request", (r) => {
    if (new URL(r.url()).pathname === "/dashboard") dashboardLoads.push(`${r.method()} ${r.url()} ${r.headers()["rsc"] ?? ""}`);
  });
  await page.getByLabel("6-digit code").fill(await freshTotp(user.totpSecret!));
  await page.getByRole("button", { name: "Verify" }).click();
  await page.waitForURL(/\/dashboard$/);
  await expect(page.getByRole("heading", { name: `Hello, ${user.displayName}` })).toBeVisible();
  // One navigation to the destination, not two.
  await page.waitForTimeout(500);
  expect(dashboardLoads).toHaveLength(1);
  // (The page also opens a passkey-autofill ceremony, /api/passkey-sign-in: not a sign-in step.)
  expect(posts.filter((p) => !p.startsWith("/api/passkey-sign-in "))).toEqual([
    "/api/sign-in/password application/json",
    "/api/sign-in/answer application/json",
    "/api/sign-in/answer application/json",
  ]);
});

test("a failed password keeps the username and never the password", async ({ page, makeUser }) => {
  const user = await makeUser("commercial");
  await page.goto("/login");
  await submitLogin(page, user.username, "not-the-password");
  await expect(formAlert(page)).toContainText("Incorrect username or password.");
  await expect(page.getByLabel("Username")).toHaveValue(user.username);
  await expect(page.getByLabel("Password")).toHaveValue("");
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("password and TOTP code sign in with plain form posts", async ({ page, makeUser }) => {
    const user = await makeUser("retail_totp");
    await page.goto("/login");
    await page.getByLabel("Username").fill(user.username);
    await page.getByLabel("Password").fill(user.password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.waitForURL(/\/mfa\?callbackUrl=/);
    await expect(page.getByRole("heading", { name: "Verify it's you" })).toBeVisible();

    // A wrong code: the page comes back with the reason, still on /mfa.
    await page.getByLabel("6-digit code").fill("000000");
    await page.getByRole("button", { name: "Verify" }).click();
    await expect(page.getByText("That code is not right").first()).toBeVisible();
    await expect(page).toHaveURL(/\/mfa/);

    // A failure opens a 1 s backoff (the default); an answer inside it is refused without being
    // evaluated, so the same code can be sent again once the delay has passed.
    const code = await freshTotp(user.totpSecret!);
    let landed = false;
    for (let i = 0; i < 5 && !landed; i++) {
      await page.waitForTimeout(1_100);
      await page.getByLabel("6-digit code").fill(code);
      await page.getByRole("button", { name: "Verify" }).click();
      await page.waitForLoadState();
      landed = new URL(page.url()).pathname === "/dashboard";
    }
    expect(landed).toBe(true);
    await expect(page.getByRole("heading", { name: `Hello, ${user.displayName}` })).toBeVisible();
  });

  test("a password-only customer lands on the dashboard", async ({ page, makeUser }) => {
    const user = await makeUser("commercial");
    await page.goto("/login");
    await page.getByLabel("Username").fill(user.username);
    await page.getByLabel("Password").fill(user.password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.waitForURL(/\/dashboard$/);
    await expect(page.getByRole("heading", { name: `Hello, ${user.displayName}` })).toBeVisible();
  });
});
