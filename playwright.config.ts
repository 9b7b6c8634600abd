import fs from "node:fs";
import path from "node:path";
import { defineConfig, devices } from "@playwright/test";
import { DEFAULT_SYSTEM_BROWSERS } from "./scripts/find-browser";

/**
 * Run through `npm run test:e2e` (scripts/run-e2e.ts): it builds into .next-e2e, prepares the
 * database and the user pool, and sets E2E_PORT / E2E_POOL_FILE. Playwright's webServer owns
 * the `next start` process and stops its whole process group at the end.
 */
const port = Number(process.env.E2E_PORT ?? 3210);
// A host name, not an IP address: WebAuthn refuses an IP as its RP ID, and the passkey specs
// need one. The server listens on 127.0.0.1, which "localhost" resolves to.
const baseURL = `http://localhost:${port}`;

// scripts/run-e2e.ts finds the browser (scripts/find-browser.ts) and passes it as E2E_BROWSER;
// run directly, Playwright uses Debian's headless shell or chromium when installed, its own otherwise.
const executablePath = process.env.E2E_BROWSER || DEFAULT_SYSTEM_BROWSERS.find((f) => fs.existsSync(f));

/**
 * Extra suites live in subfolders of e2e/ (e2e/fuzz/, …) and run only on request:
 * `E2E_SUITE=<name>` runs e2e/<name>/ alone (scripts/run-e2e.ts; `npm run test:fuzz`, and
 * `npm run test:faults` through scripts/run-faults.ts).
 * The default run (`npm run test:e2e`) ignores every subfolder.
 */
const suite = process.env.E2E_SUITE;
if (suite !== undefined && !/^[a-z0-9-]+$/.test(suite)) throw new Error(`E2E_SUITE must name a folder of e2e/, not "${suite}"`);
const sep = path.sep.replace(/\\/g, "\\\\");
const inSuiteFolder = new RegExp(`^${path.resolve("e2e").replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}${sep}[^${sep}]+${sep}`);

export default defineConfig({
  testDir: suite ? `./e2e/${suite}` : "./e2e",
  globalSetup: "./e2e/global-setup.ts",
  fullyParallel: true,
  workers: Number(process.env.E2E_WORKERS ?? 2),
  // One retry: on 2 shared cores a page can take seconds to answer when the machine is busy, and
  // a timeout then says nothing about the bank. A test that fails twice fails the run; one that
  // passes only on its retry is counted as "flaky" in the summary and its trace is kept.
  retries: Number(process.env.E2E_RETRIES ?? 1),
  forbidOnly: Boolean(process.env.CI),
  reporter: "list",
  timeout: 45_000,
  expect: { timeout: 10_000 },
  use: {
    baseURL,
    // Keep the trace of every failed attempt, the first one of a flaky test included.
    trace: "retain-on-failure",
    launchOptions: {
      executablePath,
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
  projects: suite
    ? [{ name: suite, testDir: `./e2e/${suite}`, use: { ...devices["Desktop Chrome"] } }]
    : [
        // Specs that change bank-wide settings (e.g. the lockout threshold) run alone, after all
        // the others: a parallel journey must never see a policy it did not expect. So do tests
        // that move the bank's clock (tag @moves-clock, e2e/fixtures.ts advanceClock): the clock
        // is one for the whole server, so they run one at a time, after the parallel specs.
        {
          name: "chromium",
          use: { ...devices["Desktop Chrome"] },
          testIgnore: [/admin-settings\.spec\.ts/, inSuiteFolder],
          grepInvert: /@moves-clock/,
        },
        {
          name: "clock",
          use: { ...devices["Desktop Chrome"] },
          testIgnore: [/admin-settings\.spec\.ts/, inSuiteFolder],
          grep: /@moves-clock/,
          dependencies: ["chromium"],
          workers: 1,
        },
        {
          name: "global-settings",
          use: { ...devices["Desktop Chrome"] },
          testMatch: /admin-settings\.spec\.ts/,
          dependencies: ["clock"],
          fullyParallel: false,
          workers: 1,
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
