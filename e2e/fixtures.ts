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

// ─── The test clock (lib/clock.ts) ─────────────────────────────────────────────────────

/** Tests that move the bank's clock carry this tag; Playwright runs them alone (playwright.config.ts). */
export const MOVES_CLOCK = "@moves-clock";

/** The projects whose tests run with nothing beside them: they may move the clock. */
const ALONE_PROJECTS = new Set(["clock", "global-settings"]);

function serverBase(base?: string): string {
  const url = base ?? test.info().project.use.baseURL;
  if (!url) throw new Error("No base URL: pass the server's address");
  return url.replace(/\/$/, "");
}

/** The last offset each server reported: the fallback while it cannot answer (the fault suite's outages). */
const knownOffsets = new Map<string, number>();

/**
 * The bank's time in ms — the real clock plus the test clock's offset — as `GET /api/test/clock`
 * reports it (`base`: another server than the suite's own). While the server cannot answer
 * (a database outage), the real clock plus the last offset it reported.
 */
export async function serverNow(base?: string): Promise<number> {
  const url = serverBase(base);
  try {
    const res = await fetch(`${url}/api/test/clock`, { signal: AbortSignal.timeout(5_000) });
    if (res.ok) {
      const { nowMs, offsetMs } = (await res.json()) as { nowMs: number; offsetMs: number };
      knownOffsets.set(url, offsetMs);
      return nowMs;
    }
  } catch {
    // fall through: the server is away
  }
  return Date.now() + (knownOffsets.get(url) ?? 0);
}

/**
 * Moves the bank's clock forward by `seconds` (lib/clock.ts): every time decision of the server
 * and the database — TOTP steps, backoff, expiry, idle and lifetime — sees the new time at once.
 * The clock is global, so only a test tagged `@moves-clock` may move it (or one in the
 * global-settings project): Playwright runs those alone, after the parallel specs. Pages
 * passed in `pages` had `page.clock.install()` before they loaded; their clocks move by the same
 * amount, so a countdown the browser shows agrees with the server.
 */
export async function advanceClock(seconds: number, opts: { pages?: Page[]; base?: string } = {}): Promise<number> {
  const info = test.info();
  if (!info.tags.includes(MOVES_CLOCK) && !ALONE_PROJECTS.has(info.project.name)) {
    throw new Error(
      `advanceClock: "${info.title}" moves the bank's clock, which every parallel test shares. Tag it { tag: "${MOVES_CLOCK}" } so it runs alone in the clock project (playwright.config.ts).`,
    );
  }
  const url = serverBase(opts.base);
  const res = await fetch(`${url}/api/test/clock`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ seconds }),
  });
  if (!res.ok) throw new Error(`advanceClock: ${res.status} ${await res.text()}`);
  const { nowMs, offsetMs } = (await res.json()) as { nowMs: number; offsetMs: number };
  knownOffsets.set(url, offsetMs);
  for (const page of opts.pages ?? []) await page.clock.fastForward(Math.round(seconds * 1000));
  return nowMs;
}

// ─── TOTP ──────────────────────────────────────────────────────────────────────────────

const PERIOD = 30;
/** Using the previous step needs this much of the current one left: the code must arrive in time. */
const PREVIOUS_STEP_MARGIN = 5;
const usedSteps = new Map<string, number>();

/** The code an authenticator app shows for `secret` at `atMs` (the bank's time: `serverNow()`). */
export function totpNow(secret: string, atMs: number): Promise<string> {
  return generate({ secret, epoch: Math.floor(atMs / 1000) });
}

/**
 * A code for a time step this test has not used yet, on the bank's clock (`serverNow`): the
 * server refuses a step at or before the last one it accepted, and accepts one step either side
 * of its own (lib/mfa/totp.ts). So three codes come at once — the previous step (while enough
 * of this one is left), this one, the next. A fourth within the same step would mean waiting up
 * to 30 s; a test that needs one moves the clock to the next step (`advanceClock`, allowed in
 * a `@moves-clock` test); a parallel test waits for it, and says so in the output and the test's
 * annotations (no test of the suite does: one that needs a fourth code is tagged).
 */
export async function freshTotp(secret: string, base?: string): Promise<string> {
  const nowS = (await serverNow(base)) / 1000;
  const current = Math.floor(nowS / PERIOD);
  const last = usedSteps.get(secret) ?? Number.NEGATIVE_INFINITY;
  const previousOk = (current + 1) * PERIOD - nowS >= PREVIOUS_STEP_MARGIN;
  let step = [...(previousOk ? [current - 1] : []), current, current + 1].find((s) => s > last);
  if (step === undefined) {
    // Every step the server accepts now is used: one step later, the next one is accepted. A
    // `@moves-clock` test moves the clock there; a parallel test may not move the shared clock,
    // so it waits for the server's next step instead (rare: a fourth code within one step).
    const info = test.info();
    if (info.tags.includes(MOVES_CLOCK) || ALONE_PROJECTS.has(info.project.name)) await advanceClock(PERIOD, { base });
    else {
      const waitMs = Math.ceil(((current + 1) * PERIOD - nowS) * 1000) + 250;
      info.annotations.push({ type: "waited for a TOTP step", description: `${waitMs} ms` });
      console.log(`[freshTotp] "${info.title}" waits ${waitMs} ms for the next TOTP step`);
      info.setTimeout(info.timeout + waitMs);
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
    step = last + 1;
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
 * The fields a browser without JavaScript posts for the form on `html` that has a field named
 * `field` (hidden inputs — the server action's reference and state —, text inputs with their
 * values, checked boxes), or null when no form on the page has one.
 */
function formFields(html: string, field: string): Record<string, string> | null {
  const decode = (v: string) =>
    v.replace(/&quot;/g, '"').replace(/&#x27;|&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
  for (const form of html.match(/<form\b[\s\S]*?<\/form>/g) ?? []) {
    if (!form.includes(`name="${field}"`)) continue;
    const fields: Record<string, string> = {};
    for (const input of form.match(/<input\b[^>]*>/g) ?? []) {
      const attr = (name: string) => input.match(new RegExp(`\\s${name}="([^"]*)"`))?.[1];
      const name = attr("name");
      const type = attr("type") ?? "text";
      if (!name || ((type === "checkbox" || type === "radio") && !/\schecked(=|\s|\/|>)/.test(input))) continue;
      fields[decode(name)] = decode(attr("value") ?? (type === "checkbox" ? "on" : ""));
    }
    return fields;
  }
  return null;
}

/**
 * Posts the form of the page at `path` that has the field `field`, as a browser without
 * JavaScript does (progressive enhancement: the same server action, a 303 to where it sends
 * the browser). The page's cookies go and come back with it. Answers where the browser lands.
 */
async function postPageForm(page: Page, path: string, field: string, values: Record<string, string>): Promise<{ url: string } | null> {
  // A path, as page.goto takes it: the context's base URL (a spec may open a context on another server).
  const form = await page.request.get(path);
  const fields = formFields(await form.text(), field);
  if (!fields) return null;
  const base = new URL(form.url()).origin;
  const res = await page.request.post(form.url(), {
    multipart: { ...fields, ...values },
    headers: { origin: base },
    maxRedirects: 0,
  });
  const location = res.headers()["location"];
  // Not a redirect: the page answered in place (a refusal), so the browser is still where it was.
  if (res.status() !== 303 || !location) return { url: form.url() };
  return { url: new URL(location, base).toString() };
}

/**
 * Signs `user` in. A user with TOTP answers the code step with a fresh code unless `mfa: false`
 * (then the page is left on /mfa, for the test to answer). The page ends where the bank sent it.
 *
 * By default the forms are posted as a browser without JavaScript posts them, from the page's
 * own cookie jar (`page.request`): the same actions and checks, without loading /login's script
 * and hydrating it first. Specs about the sign-in screens themselves pass `{ ui: true }` (or
 * drive the form with `submitLogin`), which types into the page as a customer does.
 */
export async function signIn(page: Page, user: PoolUser, opts: { mfa?: boolean; callbackUrl?: string; ui?: boolean } = {}): Promise<void> {
  const login = opts.callbackUrl ? `/login?callbackUrl=${encodeURIComponent(opts.callbackUrl)}` : "/login";
  if (!opts.ui) {
    const landed = await postPageForm(page, login, "username", { username: user.username, password: user.password });
    if (!landed) throw new Error("signIn: /login has no sign-in form");
    let url = new URL(landed.url);
    if (url.pathname === "/login") throw new Error(`signIn: ${user.username} was not signed in (still on /login)`);
    if (url.pathname === "/mfa" && user.totpSecret && opts.mfa !== false) {
      const code = await freshTotp(user.totpSecret, url.origin); // that server's clock
      const answered = await postPageForm(page, url.pathname + url.search, "code", { code });
      if (answered) url = new URL(answered.url);
    }
    await page.goto(url.toString());
    if (opts.mfa !== false && new URL(page.url()).pathname === "/mfa" && user.totpSecret) {
      throw new Error(`signIn: the code step did not pass for ${user.username}`);
    }
    return;
  }
  await page.goto(login);
  await submitLogin(page, user.username, user.password);
  await page.waitForURL((url) => url.pathname !== "/login");
  if (opts.mfa === false || !user.totpSecret || new URL(page.url()).pathname !== "/mfa") return;
  await waitForHydration(page);
  await page.getByLabel("6-digit code").fill(await freshTotp(user.totpSecret, new URL(page.url()).origin)); // that server's clock
  await page.getByRole("button", { name: "Verify" }).click();
  await page.waitForURL((url) => !url.pathname.startsWith("/mfa"));
}

export async function signOut(page: Page): Promise<void> {
  await waitForHydration(page);
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await page.waitForURL((url) => url.pathname === "/login");
}
