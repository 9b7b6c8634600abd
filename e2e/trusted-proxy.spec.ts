import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import type { APIRequestContext, Browser } from "@playwright/test";
import { AppServer, freePort } from "./app-server";
import { expect, serverNow, signIn, test, type PoolUser } from "./fixtures";
import { actionId, callAction } from "./server-actions";

/**
 * TRUSTED_PROXY_HOPS (lib/http/client-address.ts): which address the audit trail and the
 * per-client throttles see. The suite's own server runs with 1 (scripts/run-e2e.ts), so this
 * spec starts one more `next start` of the same build with 0, the default: on PostgreSQL on the
 * run's database, on PGlite on a seeded folder of its own (one PGlite folder, one process).
 *
 * The throttle is forgot-password's per-client limit (lib/auth/password-reset.ts: 20 requests
 * per client per 15-minute window, counted for unknown names too; a throttled request for an
 * existing account is audited "refused", reason "throttled", with the client's address).
 */
const REQUEST_RESET = ["app/(auth)/forgot-password/actions.ts", "requestReset"] as const;
const PER_CLIENT = 20;
const WINDOW_SECONDS = 15 * 60;
const LOOPBACK = /^(127\.0\.0\.1|::1)$/;
const onPostgres = Boolean(process.env.DATABASE_URL);

test.describe.configure({ mode: "serial" });

let hops0: AppServer | undefined;
let hops0Url = "";

test.beforeAll(async () => {
  test.setTimeout(120_000);
  const base = Number(process.env.E2E_PORT ?? 3210);
  const port = await freePort(base + 40, base + 59);
  hops0Url = `http://localhost:${port}`;
  const env: Record<string, string> = { TRUSTED_PROXY_HOPS: "0", APP_URL: hops0Url };
  if (!onPostgres) {
    env.DATA_DIR = path.join(process.env.E2E_RUN_DIR!, "db-trusted-proxy-hops-0");
    await new Promise<void>((resolve, reject) =>
      execFile("node_modules/.bin/tsx", ["--conditions=react-server", "scripts/prepare-db.ts"], { env: { ...process.env, ...env }, timeout: 90_000 }, (err, _out, stderr) =>
        err ? reject(new Error(`prepare-db: ${err.message} ${stderr}`)) : resolve(),
      ),
    );
  }
  hops0 = new AppServer(port, { env, startTimeoutMs: 90_000 });
  await hops0.start();
});

test.afterAll(async () => {
  await hops0?.kill("SIGTERM");
});

/** The audit rows of `username`'s forgot-password requests, newest first, read through the admin CSV export. */
async function resetAudit(admin: APIRequestContext, base: string, username: string) {
  const res = await admin.get(`${base}/admin/audit/export?user=${encodeURIComponent(username)}&action=password_reset.requested`);
  expect(res.status()).toBe(200);
  // id, at, action, outcome, actor, subject, ip, session_id, details — none of the first seven is quoted.
  return (await res.text())
    .trim()
    .split(/\r?\n/)
    .slice(1)
    .map((line) => {
      const [, , action, outcome, , , ip] = line.split(",");
      return { action, outcome, ip, throttled: line.includes("throttled") };
    });
}

/** Polls the export until `count` rows exist (the request's work runs after its response). */
async function waitForRows(admin: APIRequestContext, base: string, username: string, count: number) {
  let rows: Awaited<ReturnType<typeof resetAudit>> = [];
  await expect(async () => {
    rows = await resetAudit(admin, base, username);
    expect(rows.length, JSON.stringify(rows)).toBeGreaterThanOrEqual(count);
  }).toPass({ timeout: 15_000, intervals: [250] });
  return rows;
}

/** An admin signed in on `base` in a context of its own, sending `headers` with every request. */
async function adminOn(browser: Browser, base: string, admin: PoolUser, headers: Record<string, string>) {
  const context = await browser.newContext({ baseURL: base, extraHTTPHeaders: headers });
  await signIn(await context.newPage(), admin);
  return context;
}

/**
 * Runs `burst` inside one throttle window of the bank's clock (`serverNow`: the window is
 * fixed, lib/rate-limit.ts): if the window turned during it, the burst runs once more, in a
 * window that has just begun — instead of waiting for the edge to pass.
 */
async function inOneWindow(base: string, burst: () => Promise<void>) {
  const windowNow = async () => Math.floor((await serverNow(base)) / 1000 / WINDOW_SECONDS);
  for (let attempt = 0; attempt < 2; attempt++) {
    const before = await windowNow();
    await burst();
    if ((await windowNow()) === before) return;
  }
  throw new Error("the throttle window turned during two bursts in a row");
}

const documentationV4 = (i: number) => `203.0.113.${i % 250}`; // RFC 5737 TEST-NET-3

test("TRUSTED_PROXY_HOPS=0: a forged X-Forwarded-For is not the audit IP, and rotating it does not escape the per-client limit", async ({ browser, makeUser, request }) => {
  test.setTimeout(90_000);
  // On PostgreSQL the extra server shares the run's database and its pool; on PGlite it has
  // its own seeded folder: the demo users (README "Demo users").
  const user = onPostgres ? await makeUser("commercial") : ({ username: "carol" } as PoolUser);
  const admin = onPostgres
    ? await makeUser("admin")
    : ({ username: "admin", password: "admin-demo-password", totpSecret: "KRSXG5CTMVRXEZLUKN2XAZLSKNSWG4TF" } as PoolUser);
  const id = actionId(...REQUEST_RESET);
  const reset = (identifier: string, forged: string) => callAction(request, `${hops0Url}/forgot-password`, id, { identifier }, { "x-forwarded-for": forged });
  // The admin's own requests carry a forged header too: the export is a route handler.
  const adminContext = await adminOn(browser, hops0Url, admin, { "x-forwarded-for": "198.51.100.200", "x-real-ip": "198.51.100.201" });

  try {
    await test.step("a request with a forged X-Forwarded-For is audited with the connection's address", async () => {
      expect((await reset(user.username, "203.0.113.1")).status).toBe(200);
      const [row] = await waitForRows(adminContext.request, hops0Url, user.username, 1);
      expect(row).toMatchObject({ outcome: "ok", throttled: false });
      expect(row!.ip).toMatch(LOOPBACK);
    });

    await test.step("the route handler too: the export's own audit row has the connection's address", async () => {
      const res = await adminContext.request.get(`${hops0Url}/admin/audit/export?action=audit.exported&user=${encodeURIComponent(admin.username)}`);
      const [newest] = (await res.text()).trim().split(/\r?\n/).slice(1);
      expect(newest!.split(",")[6]).toMatch(LOOPBACK);
    });

    await test.step(`${PER_CLIENT + 5} more requests, each with another forged address, are one client: the limit holds`, async () => {
      await inOneWindow(hops0Url, async () => {
        // Unknown names count towards the client's limit but not towards any account's; five
        // over the limit, so the last request is throttled even if some work lands out of order.
        for (let i = 0; i < PER_CLIENT + 5; i++) {
          expect((await reset(`nobody-${randomBytes(6).toString("hex")}`, documentationV4(10 + i))).status).toBe(200);
        }
        await new Promise((resolve) => setTimeout(resolve, 500)); // the work runs after the response
        expect((await reset(user.username, "203.0.113.250")).status).toBe(200);
      });
      const [row] = await waitForRows(adminContext.request, hops0Url, user.username, 2);
      expect(row, "the account's second request: refused for the client, not the account").toMatchObject({ outcome: "refused", throttled: true });
      expect(row!.ip).toMatch(LOOPBACK);
    });
  } finally {
    await adminContext.close();
  }
});

test("TRUSTED_PROXY_HOPS=1 (the suite's server): the rightmost entry is the client; entries a client prepends change nothing", async ({ browser, makeUser, request, clientAddress, baseURL }) => {
  test.setTimeout(90_000);
  const user = await makeUser("commercial");
  const admin = await makeUser("admin");
  const id = actionId(...REQUEST_RESET);
  const reset = (identifier: string, forwardedFor: string) => callAction(request, "/forgot-password", id, { identifier }, { "x-forwarded-for": forwardedFor });
  const adminContext = await adminOn(browser, baseURL!, admin, {});

  try {
    await test.step("an entry prepended by the client is not the audit IP; the proxy's entry is", async () => {
      expect((await reset(user.username, `198.51.100.7, ${clientAddress}`)).status).toBe(200);
      const [row] = await waitForRows(adminContext.request, baseURL!, user.username, 1);
      expect(row).toMatchObject({ outcome: "ok", ip: clientAddress });
    });

    await test.step("rotating prepended entries does not escape the per-client limit", async () => {
      await inOneWindow(baseURL!, async () => {
        for (let i = 0; i < PER_CLIENT + 5; i++) {
          expect((await reset(`nobody-${randomBytes(6).toString("hex")}`, `${documentationV4(10 + i)}, ${clientAddress}`)).status).toBe(200);
        }
        await new Promise((resolve) => setTimeout(resolve, 500)); // the work runs after the response
        expect((await reset(user.username, `203.0.113.250, ${clientAddress}`)).status).toBe(200);
      });
      const [row] = await waitForRows(adminContext.request, baseURL!, user.username, 2);
      expect(row).toMatchObject({ outcome: "refused", throttled: true, ip: clientAddress });
    });

    await test.step("another address in the proxy's position is another client (control)", async () => {
      const other = `2001:db8:${Array.from(randomBytes(12).toString("hex").match(/.{4}/g)!, (g) => (parseInt(g, 16) | 0x1000).toString(16)).join(":")}`;
      expect((await reset(user.username, `${clientAddress}, ${other}`)).status).toBe(200);
      const [row] = await waitForRows(adminContext.request, baseURL!, user.username, 3);
      expect(row).toMatchObject({ outcome: "ok", ip: other });
    });
  } finally {
    await adminContext.close();
  }
});
