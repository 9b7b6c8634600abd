import fs from "node:fs";
import { defineConfig, devices } from "@playwright/test";

/**
 * Run through `npm run test:e2e` (scripts/run-e2e.ts): it builds into .next-e2e, prepares the
 * database and the user pool, and sets E2E_PORT / E2E_POOL_FILE. Playwright's webServer owns
 * the `next start` process and stops its whole process group at the end.
 */
const port = Number(process.env.E2E_PORT ?? 3210);
/**
 * E2E_SUITE=<name> runs the specs in e2e/<name>/ instead of the standard ones (e.g. `faults`,
 * through its own runner); the standard run never picks up a suite's folder.
 */
const suite = process.env.E2E_SUITE;
if (suite !== undefined && !/^[a-z0-9-]+$/.test(suite)) throw new Error(`E2E_SUITE must be a folder name in e2e/, got "${suite}"`);
const SUITE_FOLDERS = /[\\/]e2e[\\/][^\\/]+[\\/]/;
const baseURL = `http://127.0.0.1:${port}`;

// Playwright cannot download browsers here: use Debian's chromium when it is installed.
const SYSTEM_CHROMIUM = "/usr/bin/chromium";

export default defineConfig({
  testDir: suite ? `./e2e/${suite}` : "./e2e",
  globalSetup: "./e2e/global-setup.ts",
  fullyParallel: true,
  workers: Number(process.env.E2E_WORKERS ?? 2),
  retries: 0,
  forbidOnly: Boolean(process.env.CI),
  reporter: "list",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  use: {
    baseURL,
    trace: "on-first-retry",
    launchOptions: {
      executablePath: fs.existsSync(SYSTEM_CHROMIUM) ? SYSTEM_CHROMIUM : undefined,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
  },
  projects: [
    // Specs that change bank-wide settings (e.g. the lockout threshold) run alone, after all
    // the others: a parallel journey must never see a policy it did not expect.
    { name: "chromium", use: { ...devices["Desktop Chrome"] }, testIgnore: suite ? /admin-settings\.spec\.ts/ : [/admin-settings\.spec\.ts/, SUITE_FOLDERS] },
    {
      name: "global-settings",
      use: { ...devices["Desktop Chrome"] },
      testMatch: /admin-settings\.spec\.ts/,
      dependencies: ["chromium"],
      fullyParallel: false,
    },
  ],
  webServer: {
    command: `node_modules/.bin/next start --hostname 127.0.0.1 --port ${port}`,
    url: `${baseURL}/login`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "ignore",
    stderr: "pipe",
    env: { NEXT_DIST_DIR: process.env.NEXT_DIST_DIR ?? ".next-e2e", NEXT_TELEMETRY_DISABLED: "1" },
    gracefulShutdown: { signal: "SIGTERM", timeout: 3_000 },
  },
});
