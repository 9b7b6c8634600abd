import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { test as base, expect, type Page } from "@playwright/test";
import { generate } from "otplib";
import type { PoolKind, PoolUser } from "../lib/db/test-pool";

export { expect };
export type { PoolKind, PoolUser };

/**
 * Each test makes its own user: `await makeUser("commercial")` claims an unused user of that
 * kind from the pool scripts/run-e2e.ts created before the server started (the server owns a
 * PGlite folder, so nothing else may write to it while it runs). A claim is a file created
 * with O_EXCL in the run folder, so parallel workers never get the same user.
 */
type Pool = { runId: string; users: PoolUser[]; claimsDir: string };

function readPool(): Pool {
  const file = process.env.E2E_POOL_FILE;
  if (!file || !fs.existsSync(file)) {
    throw new Error("No e2e user pool: run the e2e tests through `npm run test:e2e` (scripts/run-e2e.ts).");
  }
  const data = JSON.parse(fs.readFileSync(file, "utf8")) as { runId: string; users: PoolUser[] };
  return { ...data, claimsDir: path.join(path.dirname(file), "claims") };
}

/** Claims an unused pool user outside a test's fixtures (e2e/mailbox.ts's diagnostics). */
export function claimPoolUser(kind: PoolKind, claimant: string): PoolUser {
  return claimUser(readPool(), kind, claimant);
}

function claimUser(pool: Pool, kind: PoolKind, claimant: string): PoolUser {
  for (const user of pool.users) {
    if (user.kind !== kind) continue;
    try {
      const fd = fs.openSync(path.join(pool.claimsDir, user.username), "wx");
      fs.writeSync(fd, claimant);
      fs.closeSync(fd);
      return user;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
  }
  throw new Error(`The e2e pool has no unused "${kind}" user left: raise E2E_POOL_PER_KIND (scripts/run-e2e.ts).`);
}

/**
 * Each test is its own client. Per-client throttles (the forgot-password limit keys on the
 * client address) would otherwise couple every spec to the traffic of the ones before it:
 * a timing spec's burst then silences a later spec's mail, depending on test order. The
 * test sends an address of its own in X-Forwarded-For, as a proxy in front of the bank would
 * (an IPv6 documentation address, RFC 3849, derived from the run, the test and its
 * repeat/retry). Contexts a spec opens itself (`browser.newContext`) pass `clientHeaders()`.
 */
export function clientAddressFor(runId: string, testId: string, repeat = 0, retry = 0): string {
  const h = createHash("sha256").update(`${runId}:${testId}:${repeat}:${retry}`).digest("hex");
  // Each group 0x1000–0xffff: four digits with no leading zero, so the text is already in the
  // canonical form PostgreSQL's inet prints (RFC 5952), and a spec can look for it verbatim.
  const groups = Array.from({ length: 6 }, (_, i) => (parseInt(h.slice(i * 4, i * 4 + 4), 16) | 0x1000).toString(16));
  return `2001:db8:${groups.join(":")}`;
}

/**
 * The browser's passkey autofill (WebAuthn conditional mediation, components/auth/passkey-sign-in.tsx)
 * is off unless a test turns it on with `test.use({ passkeyAutofill: true })`: Chromium's virtual
 * authenticator answers a conditional request by itself, which would sign a passkey user in
 * before the test types a password. Off, /login behaves as in a browser without passkey autofill.
 */
const NO_PASSKEY_AUTOFILL = () => {
  if (window.PublicKeyCredential) window.PublicKeyCredential.isConditionalMediationAvailable = async () => false;
};

export const test = base.extend<{ makeUser: (kind: PoolKind) => Promise<PoolUser>; clientAddress: string; passkeyAutofill: boolean }, { pool: Pool }>({
  passkeyAutofill: [false, { option: true }],
  context: async ({ context, passkeyAutofill }, provide) => {
    if (!passkeyAutofill) await context.addInitScript(NO_PASSKEY_AUTOFILL);
    await provide(context);
  },
  clientAddress: async ({ pool }, provide, testInfo) => {
    await provide(clientAddressFor(pool.runId, testInfo.testId, testInfo.repeatEachIndex, testInfo.retry));
  },
  extraHTTPHeaders: async ({ extraHTTPHeaders, clientAddress }, provide) => {
    await provide({ ...extraHTTPHeaders, "x-forwarded-for": clientAddress });
  },
  pool: [
    // Playwright requires the destructuring form; `provide` is its `use` (not a React hook).
    async ({}, provide) => {
      await provide(readPool());
    },
    { scope: "worker" },
  ],
  makeUser: async ({ pool }, provide, testInfo) => {
    await provide(async (kind) => claimUser(pool, kind, testInfo.titlePath.join(" › ")));
  },
});

// ─── TOTP ──────────────────────────────────────────────────────────────────────────────

const PERIOD = 30;
const usedSteps = new Map<string, number>();

/** The code an authenticator app shows for `secret` now (or at `atMs`). */
export function totpNow(secret: string, atMs = Date.now()): Promise<string> {
  return generate({ secret, epoch: Math.floor(atMs / 1000) });
}

/**
 * A code for a time step this test has not used yet: the server refuses a step at or before
 * the last one it accepted. The current step if free, else the next one (the server accepts
 * ±1 step, lib/mfa/totp.ts); when both are used, waits for the next step to begin and extends
 * the test's timeout by that wait.
 */
export async function freshTotp(secret: string): Promise<string> {
  const current = Math.floor(Date.now() / 1000 / PERIOD);
  const last = usedSteps.get(secret) ?? Number.NEGATIVE_INFINITY;
  const step = Math.max(current, last + 1);
  if (step > current + 1) {
    const waitMs = (step - 1) * PERIOD * 1000 - Date.now() + 250;
    test.info().setTimeout(test.info().timeout + waitMs);
    await new Promise((resolve) => setTimeout(resolve, waitMs));
  }
  usedSteps.set(secret, step);
  return generate({ secret, epoch: step * PERIOD });
}

// ─── Page helpers ──────────────────────────────────────────────────────────────────────

/**
 * Waits until React has hydrated every form on the page: a click before that would submit
 * the form without JavaScript (or not at all). React marks each hydrated node with a
 * `__reactFiber$…` property.
 */
export async function waitForHydration(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const forms = Array.from(document.querySelectorAll("form"));
    return forms.length > 0 && forms.every((f) => Object.keys(f).some((k) => k.startsWith("__reactFiber$")));
  });
}

/** The form's own alert: Next adds a second role=alert element (the route announcer). */
export function formAlert(page: Page) {
  return page.getByRole("main").getByRole("alert");
}

/** Fills and submits the password form on the current /login page. */
export async function submitLogin(page: Page, username: string, password: string): Promise<void> {
  await waitForHydration(page);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

/**
 * Signs `user` in from /login. A user with TOTP who lands on /mfa answers it with a fresh code
 * unless `mfa: false` (then the page is left on /mfa).
 */
export async function signIn(page: Page, user: PoolUser, opts: { mfa?: boolean; callbackUrl?: string } = {}): Promise<void> {
  await page.goto(opts.callbackUrl ? `/login?callbackUrl=${encodeURIComponent(opts.callbackUrl)}` : "/login");
  await submitLogin(page, user.username, user.password);
  await page.waitForURL((url) => url.pathname !== "/login");
  if (opts.mfa === false || !user.totpSecret || new URL(page.url()).pathname !== "/mfa") return;
  await waitForHydration(page);
  await page.getByLabel("6-digit code").fill(await freshTotp(user.totpSecret));
  await page.getByRole("button", { name: "Verify" }).click();
  await page.waitForURL((url) => !url.pathname.startsWith("/mfa"));
}

export async function signOut(page: Page): Promise<void> {
  await waitForHydration(page);
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL((url) => url.pathname === "/login");
}
