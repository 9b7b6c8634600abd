import { spawn, type ChildProcess } from "node:child_process";
import type { Page } from "@playwright/test";
import { expect, signIn, submitLogin, test, waitForHydration } from "../fixtures";
import { freePort } from "../app-server";

/**
 * Two `next start` instances on one PostgreSQL database behave as one: the lockout count
 * spans both, and a session revoked through one is dead on the other. (PGlite belongs to one
 * process, so this runs on PostgreSQL, in the fault suite: `npm run test:faults`.)
 */
test.describe.configure({ mode: "serial" });
test.skip(!process.env.DATABASE_URL, "needs PostgreSQL: two processes cannot share one PGlite folder");

let second: ChildProcess | undefined;
let secondUrl = "";

test.beforeAll(async () => {
  test.setTimeout(90_000);
  const base = Number(process.env.E2E_PORT ?? 3500);
  const port = await freePort(base + 30, base + 39);
  secondUrl = `http://localhost:${port}`; // the main server's host name, so the session cookie goes to both
  second = spawn("node_modules/.bin/next", ["start", "--hostname", "127.0.0.1", "--port", String(port)], {
    env: { ...process.env, NEXT_DIST_DIR: process.env.NEXT_DIST_DIR ?? ".next-e2e" },
    stdio: "ignore",
    detached: true,
  });
  await expect(async () => {
    const res = await fetch(`${secondUrl}/login`);
    expect(res.status).toBe(200);
  }).toPass({ timeout: 60_000 });
});

test.afterAll(async () => {
  if (second?.pid) process.kill(-second.pid, "SIGTERM");
});

async function wrongCode(page: Page, base: string) {
  await page.goto(`${base}/mfa`);
  await waitForHydration(page);
  await page.getByLabel("6-digit code").fill("000000");
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByText(/That code is not right|locked your account/)).toBeVisible();
}

test("wrong codes alternating between two instances lock the account at the threshold in total", async ({ page, makeUser, baseURL }) => {
  test.setTimeout(90_000);
  const user = await makeUser("retail_totp");
  await page.goto(`${baseURL}/login`);
  await submitLogin(page, user.username, user.password);
  await page.waitForURL(/\/mfa/);

  // Default policy: threshold 5, backoff 1 s, 2 s, 4 s, 8 s between failed codes.
  const bases = [baseURL!, secondUrl, baseURL!, secondUrl, baseURL!];
  for (const [i, base] of bases.entries()) {
    await wrongCode(page, base);
    if (i < bases.length - 1) {
      // Wait out the backoff the other instance set (the countdown is served by the database clock).
      await expect(page.getByRole("button", { name: "Verify" })).toBeEnabled({ timeout: 20_000 });
    }
  }
  await expect(page.getByText(/we have locked your account to protect it/)).toBeVisible();

  // Locked on both: the correct password gets the generic answer everywhere.
  for (const base of [baseURL!, secondUrl]) {
    await page.goto(`${base}/login`);
    await submitLogin(page, user.username, user.password);
    await expect(page.getByRole("main").getByRole("alert")).toHaveText("Incorrect username or password.");
  }
});

test("a session signed out through one instance is dead on the other", async ({ page, makeUser, baseURL }) => {
  const user = await makeUser("commercial");
  await signIn(page, user);
  await expect(page.getByRole("heading", { name: /Hello/ })).toBeVisible();
  await page.goto(`${secondUrl}/dashboard`);
  await expect(page.getByRole("heading", { name: /Hello/ })).toBeVisible();
  const cookies = await page.context().cookies();

  await waitForHydration(page);
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL(/\/login/);

  await page.context().addCookies(cookies);
  await page.goto(`${baseURL}/dashboard`);
  await expect(page).toHaveURL(/\/login/);
});
