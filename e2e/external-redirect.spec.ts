import http from "node:http";
import type { Page } from "@playwright/test";
import { createHash, randomBytes } from "node:crypto";
import { createRemoteJWKSet, decodeJwt, exportJWK, generateKeyPair, jwtVerify, SignJWT, UnsecuredJWT, type CryptoKey, type JWK } from "jose";
import { advanceClock, expect, MOVES_CLOCK, serverNow, signIn, test, waitForHydration, type PoolUser } from "./fixtures";
import { emailOf, mailLink } from "./mailbox";

/**
 * The redirect-based provider type: the customer approves on the provider's own
 * page. The pool's "redirect" users reach the in-app mock as a redirect provider ("mockr",
 * lib/db/test-pool.ts); "redirect_independent" users reach a provider this spec serves itself.
 */

const CONTINUE = "Continue to Mock Verify";
const onProviderPage = (url: URL) => url.pathname === "/mock-provider/authorize";

/** Password, then out to the provider's page. */
async function reachProvider(page: Page, user: PoolUser, link = CONTINUE) {
  await signIn(page, user, { mfa: false });
  await waitForHydration(page);
  await page.getByRole("link", { name: link }).click();
}

/** From /mfa, out again; a backoff delay after a denial sends the browser back with "wait" first. */
async function goOutAgain(page: Page) {
  for (let i = 0; i < 10; i++) {
    await page.getByRole("link", { name: CONTINUE }).click();
    await page.waitForURL((url) => onProviderPage(url) || url.searchParams.get("redirect") === "wait");
    if (onProviderPage(new URL(page.url()))) return;
    await expect(page.getByText("Please wait a few seconds before trying again.")).toBeVisible();
    await page.waitForTimeout(500); // the backoff after one failure is 1 s
  }
  throw new Error("never got out to the provider");
}

test("signs in through the redirect provider, approved on its page; the callback serves its own session once", async ({ page, browser, makeUser }) => {
  const user = await makeUser("redirect");
  const other = await makeUser("redirect");
  await reachProvider(page, user);
  await test.step("the provider's page names who is asked and what", async () => {
    await page.waitForURL(onProviderPage);
    await expect(page.getByRole("heading", { name: "MFA Bank asks you to confirm this sign-in" })).toBeVisible();
    await expect(page.getByTestId("provider-asks")).toHaveText(`Sign in to MFA Bank as ${user.username}`);
  });
  // Hold the way back (the provider's 303 to the callback), to present it from another user's session first.
  let callback = "";
  await page.route("**/mock-provider/api/redirect/decision", async (route) => {
    const res = await route.fetch({ maxRedirects: 0 });
    callback = new URL(res.headers()["location"]!, page.url()).href;
    await route.fulfill({ status: 200, contentType: "text/plain", body: "held" });
  });
  await page.getByRole("button", { name: "Approve" }).click();
  await expect.poll(() => callback).toContain("code=");
  await page.unroute("**/mock-provider/api/redirect/decision");
  await test.step("another user's session gets a refusal, nothing else", async () => {
    const ctx = await browser.newContext();
    try {
      const bob = await ctx.newPage();
      await signIn(bob, other, { mfa: false });
      const res = await bob.goto(callback);
      expect(res!.status()).toBe(400);
      await expect(bob.getByText(/was refused/)).toBeVisible();
      await bob.goto("/dashboard");
      await expect(bob).toHaveURL(/\/(mfa|login)/);
    } finally {
      await ctx.close();
    }
  });
  await test.step("its own session comes back and is signed in", async () => {
    await page.goto(callback);
    await page.waitForURL((url) => url.pathname === "/dashboard");
  });
  await test.step("the same answer again is refused", async () => {
    const res = await page.request.get(callback, { maxRedirects: 0 });
    expect(res.status()).toBe(400);
    expect(await res.text()).toContain("was refused");
  });
});

test("Deny on the provider's page fails (counted); Cancel is not counted; then Approve signs in", async ({ page, makeUser }) => {
  test.setTimeout(60_000);
  const user = await makeUser("redirect");
  await reachProvider(page, user);
  await page.waitForURL(onProviderPage);
  await test.step("Deny → back on /mfa with the reason", async () => {
    await page.getByRole("button", { name: "Deny" }).click();
    await page.waitForURL((url) => url.pathname === "/mfa" && url.searchParams.get("redirect") === "denied");
    await expect(page.getByText("The request was denied on the provider's page.")).toBeVisible();
  });
  await test.step("Cancel on the provider's page → canceled, nothing counted", async () => {
    await waitForHydration(page);
    await goOutAgain(page);
    await page.getByRole("button", { name: "Cancel and go back to MFA Bank" }).click();
    await page.waitForURL((url) => url.searchParams.get("redirect") === "canceled");
    await expect(page.getByText("You left the provider's page without answering.")).toBeVisible();
  });
  await test.step("Approve signs in", async () => {
    await waitForHydration(page);
    await goOutAgain(page);
    await page.getByRole("button", { name: "Approve" }).click();
    await page.waitForURL((url) => url.pathname === "/dashboard");
  });
  await test.step("the history shows exactly one failed second step", async () => {
    await page.goto("/security/activity");
    const history = page.getByRole("list", { name: "Sign-in history" });
    await expect(history.getByRole("listitem").filter({ hasText: "Second step: Approve at your provider" }).filter({ hasText: "Failed" })).toHaveCount(1);
    await expect(history.getByRole("listitem").filter({ hasText: "Second step: Approve at your provider" }).filter({ hasText: "Success" })).toHaveCount(1);
  });
});

test("a forgotten password escalates to the redirect provider: its page names the reset; approved, a new password is chosen", async ({ page, makeUser }) => {
  const user = await makeUser("redirect");
  await page.goto("/forgot-password");
  await waitForHydration(page);
  await page.getByLabel("Username or email").fill(user.username);
  await page.getByRole("button", { name: "Send reset link" }).click();
  await expect(page.getByRole("main").getByRole("status")).toContainText("we sent a link");
  await page.goto(await mailLink(page, emailOf(user), /Reset your MFA Bank password/));
  await waitForHydration(page);
  await page.getByRole("button", { name: "Continue" }).click();
  await page.waitForURL((url) => url.pathname === "/mfa");
  await waitForHydration(page);
  await page.getByRole("link", { name: CONTINUE }).click();
  await page.waitForURL(onProviderPage);
  await expect(page.getByRole("heading", { name: "MFA Bank asks you to confirm this password reset" })).toBeVisible();
  await expect(page.getByTestId("provider-asks")).toHaveText(`Reset the password of ${user.username}'s MFA Bank account`);
  await page.getByRole("button", { name: "Approve" }).click();
  await page.waitForURL(/\/reset-password\/continue/);
  await expect(page.getByLabel("New password", { exact: true })).toBeVisible();
});

test("leaving the provider's page and coming back after the MFA token lifetime: TIMEOUT, nothing counted", { tag: MOVES_CLOCK }, async ({ page, makeUser }) => {
  const user = await makeUser("redirect");
  await reachProvider(page, user);
  await page.waitForURL(onProviderPage);
  const { state } = decodeJwt(new URL(page.url()).searchParams.get("request")!) as { state: string };
  await test.step("the user wanders off; 6 minutes pass (the lifetime is 5)", async () => {
    await page.goto("/mfa");
    await advanceClock(6 * 60);
    await page.reload();
    await expect(page.getByText(/That request timed out/)).toBeVisible();
  });
  await test.step("the provider's late answer is a timeout too", async () => {
    await page.goto(`/mfa/redirect/callback?state=${state}&code=${"c".repeat(43)}`);
    await page.waitForURL((url) => url.searchParams.get("redirect") === "timeout");
    await expect(page.getByText(/That request timed out/)).toBeVisible();
  });
  await test.step("a new request signs in at once: no backoff was started", async () => {
    await waitForHydration(page);
    await page.getByRole("link", { name: CONTINUE }).click();
    await page.waitForURL(onProviderPage);
    await page.getByRole("button", { name: "Approve" }).click();
    await page.waitForURL((url) => url.pathname === "/dashboard");
  });
});

test("a transfer step-up through the redirect provider: its page names the exact transfer; a changed amount is refused", async ({ page, makeUser }) => {
  test.setTimeout(90_000);
  const user = await makeUser("redirect");
  const payeeLabel = `${user.payee.name} ••${user.payee.accountNumber.slice(-4)}`;
  await reachProvider(page, user);
  await page.waitForURL(onProviderPage);
  await page.getByRole("button", { name: "Approve" }).click();
  await page.waitForURL((url) => url.pathname === "/dashboard");

  const send = async (amount: string) => {
    await page.goto("/transfer");
    await waitForHydration(page);
    await page.getByLabel("To").selectOption({ label: payeeLabel });
    await page.getByLabel("Amount (EUR)").fill(amount);
    await page.getByRole("button", { name: "Send money" }).click();
    const dialog = page.getByRole("dialog", { name: "Confirm it's you" });
    await expect(dialog.getByTestId("step-up-description")).toBeVisible();
    return dialog;
  };

  await test.step("1,500.00: the provider's page shows the transfer; approved, it is sent", async () => {
    const dialog = await send("1500");
    await expect(dialog.getByTestId("step-up-description")).toHaveText(`Transfer €1,500.00 to ${payeeLabel}`);
    await dialog.getByRole("link", { name: CONTINUE }).click();
    await page.waitForURL(onProviderPage);
    await expect(page.getByRole("heading", { name: "MFA Bank asks you to approve this" })).toBeVisible();
    await expect(page.getByTestId("provider-asks")).toHaveText(`Transfer €1,500.00 to ${payeeLabel}`);
    await page.getByRole("button", { name: "Approve" }).click();
    await page.waitForURL((url) => url.pathname === "/transfer");
    await expect(page.getByText(`Sent €1,500.00 to ${user.payee.name}.`)).toBeVisible();
  });

  await test.step("a request whose amount was changed on the way out is refused by the provider", async () => {
    const dialog = await send("1600");
    await dialog.getByRole("link", { name: CONTINUE }).click();
    await page.waitForURL(onProviderPage);
    const url = new URL(page.url());
    const [h, p, s] = url.searchParams.get("request")!.split(".");
    const claims = JSON.parse(Buffer.from(p!, "base64url").toString());
    claims.txn_text = claims.txn_text.replace("1,600.00", "16.00");
    url.searchParams.set("request", [h, Buffer.from(JSON.stringify(claims)).toString("base64url"), s].join("."));
    await page.goto(url.href);
    await expect(page.getByRole("heading", { name: "This request was refused" })).toBeVisible();
    await expect(page.getByText("not signed by the bank")).toBeVisible();
    await expect(page.getByRole("button", { name: "Approve" })).toHaveCount(0);
  });

  await test.step("an amount changed between going out and coming back spends nothing: the grant is voided", async () => {
    const dialog = await send("1700");
    await dialog.getByRole("link", { name: CONTINUE }).click();
    await page.waitForURL(onProviderPage);
    // What the page will send again with the grant: 1700 becomes 2000 behind the user's back.
    await page.evaluate(() => {
      const key = "mfa-bank:step-up-return";
      const saved = JSON.parse(sessionStorage.getItem(key)!);
      saved.entries = saved.entries.map(([k, v]: [string, string]) => [k, k === "amount" ? "2000" : v]);
      sessionStorage.setItem(key, JSON.stringify(saved));
    });
    await page.getByRole("button", { name: "Approve" }).click();
    await page.waitForURL((url) => url.pathname === "/transfer");
    // The changed input has no grant: the bank asks again, for what is now on the table.
    await expect(page.getByRole("dialog", { name: "Confirm it's you" }).getByTestId("step-up-description")).toHaveText(`Transfer €2,000.00 to ${payeeLabel}`);
    await expect(page.getByText(/Sent €(1,700|2,000)\.00/)).toHaveCount(0);
  });
});

// ─── A redirect-based provider written here, from docs/PROVIDER-CONTRACT.md alone ──────────

type Mode = "ok" | "rotate" | "wrong-nonce" | "wrong-aud" | "wrong-iss" | "alg-none" | "unknown-key" | "huge" | "garbage" | "amount";
let mode: Mode = "ok";
let server: http.Server | undefined;
const PORT = Number(process.env.E2E_REDIRECT_PROVIDER_PORT);
const ORIGIN = `http://127.0.0.1:${PORT}`;
let keys: { kid: string; key: CryptoKey; jwk: JWK }[] = [];
let published: JWK[] = [];
const codes = new Map<string, Record<string, unknown>>();

// Key ids are new with every start of this provider: a worker that starts it again must not
// publish a different key under a kid the bank already holds.
const run = randomBytes(4).toString("hex");
async function newKey(kid: string) {
  const pair = await generateKeyPair("ES256");
  return { kid: `${run}-${kid}`, key: pair.privateKey, jwk: { ...(await exportJWK(pair.publicKey)), kid: `${run}-${kid}`, alg: "ES256" } };
}

async function startIndependent(bankOrigin: string) {
  if (server) return;
  keys = [await newKey("k1")];
  published = keys.map((k) => k.jwk);
  const bankKeys = createRemoteJWKSet(new URL(`${bankOrigin}/api/jwks`));
  server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url!, ORIGIN);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === "/jwks") return json(200, { keys: published });
    if (url.pathname === "/authorize") {
      // No page of its own: it checks the bank's signature and approves at once.
      try {
        const { payload } = await jwtVerify(url.searchParams.get("request") ?? "", bankKeys, { issuer: "indr-client", audience: ORIGIN, algorithms: ["ES256"] });
        const code = randomBytes(24).toString("base64url");
        codes.set(code, payload);
        const back = new URL(String(payload.redirect_uri));
        back.searchParams.set("code", code);
        back.searchParams.set("state", String(payload.state));
        res.writeHead(303, { location: back.href });
        return res.end();
      } catch {
        return json(400, { error: "invalid_request_object" });
      }
    }
    if (url.pathname === "/token" && req.method === "POST") {
      if (req.headers.authorization !== `Basic ${Buffer.from("indr-client:indr-secret").toString("base64")}`) return json(401, { error: "invalid_client" });
      const form = new URLSearchParams(Buffer.concat(chunks).toString());
      const p = codes.get(form.get("code") ?? "");
      codes.delete(form.get("code") ?? "");
      if (!p || createHash("sha256").update(form.get("code_verifier") ?? "").digest("base64url") !== p.code_challenge) return json(400, { error: "invalid_grant" });
      if (mode === "huge") return json(200, { result_token: `${"a".repeat(20_000)}.b.c` });
      if (mode === "garbage") return json(200, { result_token: "<html>surprise</html>" });
      const now = Math.floor((await serverNow(bankOrigin)) / 1000); // the bank's clock
      const claims = {
        nonce: mode === "wrong-nonce" ? "not-the-nonce-0123456789" : p.nonce,
        purpose: p.purpose,
        txn_hash: mode === "amount" ? createHash("sha256").update("another transfer").digest("base64url") : p.txn_hash,
        result: "approved",
      };
      if (mode === "alg-none") {
        return json(200, { result_token: new UnsecuredJWT(claims).setIssuer(ORIGIN).setAudience("indr-client").setSubject(String(p.sub)).setIssuedAt(now).setExpirationTime(now + 60).encode() });
      }
      let signer = keys.at(-1)!;
      if (mode === "unknown-key") signer = await newKey("never-published");
      if (mode === "rotate") {
        // A new key, published only now: the bank has the old JWKS cached and must fetch once more.
        signer = await newKey(`k${keys.length + 1}`);
        keys.push(signer);
        published = keys.map((k) => k.jwk);
      }
      const token = await new SignJWT(claims)
        .setProtectedHeader({ alg: "ES256", kid: signer.kid })
        .setIssuer(mode === "wrong-iss" ? "https://someone-else.example" : ORIGIN)
        .setAudience(mode === "wrong-aud" ? "another-client" : "indr-client")
        .setSubject(String(p.sub))
        .setIssuedAt(now)
        .setExpirationTime(now + 60)
        .sign(signer.key);
      return json(200, { result_token: token });
    }
    return json(404, { error: "not_found" });
  });
  // The other project's worker may still be closing it: its port frees within moments.
  for (let tries = 0; ; tries++) {
    const listening = await new Promise<boolean>((resolve, reject) => {
      server!.once("error", (err: NodeJS.ErrnoException) => (err.code === "EADDRINUSE" && tries < 40 ? resolve(false) : reject(err)));
      server!.listen(PORT, "127.0.0.1", () => resolve(true));
    });
    if (listening) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}

test.afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r) ?? r(undefined));
  server = undefined;
});

const INDEPENDENT = "Continue to Independent Verify";

/** One trip out to the independent provider and back; answers where the browser landed. */
async function tripWith(page: Page, m: Mode): Promise<URL> {
  mode = m;
  await page.getByRole("link", { name: INDEPENDENT }).click();
  await page.waitForURL((url) => url.pathname === "/dashboard" || (url.pathname === "/mfa" && url.searchParams.has("redirect")));
  return new URL(page.url());
}

async function refusedWith(page: Page, m: Mode) {
  const url = await tripWith(page, m);
  expect(url.searchParams.get("redirect")).toBe("refused");
  await expect(page.getByText("The provider's answer was refused")).toBeVisible();
  await waitForHydration(page);
}

test("a redirect provider written inside the test signs a user in; every forged or broken result is refused and counts nothing", async ({ page, makeUser, baseURL }) => {
  test.setTimeout(90_000);
  await startIndependent(baseURL!.replace(/\/$/, ""));
  const user = await makeUser("redirect_independent");
  await signIn(page, user, { mfa: false });
  await waitForHydration(page);
  for (const m of ["wrong-nonce", "wrong-aud", "wrong-iss", "alg-none", "unknown-key", "huge", "garbage", "amount"] as const) {
    await test.step(`${m}: refused`, () => refusedWith(page, m));
  }
  await test.step("a good result: signed in", async () => {
    expect((await tripWith(page, "ok")).pathname).toBe("/dashboard");
  });
  await test.step("nothing above was counted", async () => {
    await page.goto("/security/activity");
    const history = page.getByRole("list", { name: "Sign-in history" });
    await expect(history.getByRole("listitem").filter({ hasText: "Second step" }).filter({ hasText: "Failed" })).toHaveCount(0);
  });
});

test("a key the provider published after the bank last looked: not looked for within the cooldown, fetched once after it", { tag: MOVES_CLOCK }, async ({ page, makeUser, baseURL }) => {
  await startIndependent(baseURL!.replace(/\/$/, ""));
  const user = await makeUser("redirect_independent");
  await signIn(page, user, { mfa: false });
  await waitForHydration(page);
  // The bank refetches a JWKS for an unknown kid at most once per 30 s of its clock
  // (lib/mfa/redirect/key-sets.ts); earlier tests' fetches are put behind that first.
  await advanceClock(31);
  await test.step("a key nobody published: refused; the bank fetched the JWKS to look for it", () => refusedWith(page, "unknown-key"));
  await test.step("a key published just now: refused, the bank looked moments ago", () => refusedWith(page, "rotate"));
  await test.step("31 s later on the bank's clock: fetched once more, signed in", async () => {
    await advanceClock(31);
    expect((await tripWith(page, "ok")).pathname).toBe("/dashboard");
  });
});
