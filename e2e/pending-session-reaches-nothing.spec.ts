import { actionId, callAction } from "./server-actions";
import { expect, freshTotp, submitLogin, test, waitForHydration } from "./fixtures";

/**
 * A session whose password was right but whose MFA is not done reaches /mfa and sign-out —
 * not pages, not RSC or prefetch requests, not server actions, and /api/auth/session cannot
 * upgrade it.
 */
test("a pending session gets nothing but /mfa", async ({ page, makeUser }) => {
  const user = await makeUser("retail_totp");
  const account = user.accounts[0]!;

  /**
   * The same RSC and prefetch requests, pending and — the positive control — verified. Next
   * answers an RSC request whose `_rsc` parameter does not match its router headers with a 307
   * to the matching one, with an empty body: the requests follow it, or they would prove
   * nothing either way. `data` is what a verified session's answer must carry: nothing for a
   * prefetch of a dynamic page (RSC + Next-Router-Prefetch), which is its static shell only,
   * for anyone.
   */
  const rscRequests = async () => {
    const dashboard = [account.number, user.displayName];
    const sent: { request: string; body: string; status: number; data: string[] }[] = [];
    const variants: [Record<string, string>, string[]][] = [
      [{ RSC: "1" }, dashboard],
      [{ RSC: "1", "Next-Router-Prefetch": "1" }, []],
      [{ "Next-Router-Prefetch": "1" }, dashboard],
    ];
    for (const [headers, data] of variants) {
      const res = await page.request.get("/dashboard", { headers });
      sent.push({ request: `/dashboard ${JSON.stringify(headers)} → ${res.url()}`, body: await res.text(), status: res.status(), data });
    }
    const rsc = await page.request.get(`/accounts/${account.id}?_rsc=abc`, { headers: { RSC: "1" } });
    sent.push({ request: `/accounts/…?_rsc=abc → ${rsc.url()}`, body: await rsc.text(), status: rsc.status(), data: [account.number] });
    return sent;
  };

  await test.step("password only → pending at /mfa", async () => {
    await page.goto("/login");
    await submitLogin(page, user.username, user.password);
    await page.waitForURL(/\/mfa/);
  });

  await test.step("pages redirect to /mfa", async () => {
    for (const path of ["/dashboard", `/accounts/${account.id}`, "/security"]) {
      await page.goto(path);
      await expect(page).toHaveURL(/\/mfa/);
    }
  });

  await test.step("RSC and prefetch requests reveal no account data", async () => {
    for (const { request, body } of await rscRequests()) {
      expect(body, request).not.toContain(account.number);
      expect(body, request).not.toContain(user.displayName);
    }
  });

  await test.step("a bank server action called directly does not run", async () => {
    const id = actionId("app/(bank)/security/actions.ts", "registerFactor");
    const res = await callAction(page.request, "/security", id, { factor: "recovery" });
    expect(res.status).toBeLessThan(500);
    expect(res.body).toContain("Your session has ended");
    expect(res.body).not.toMatch(/[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}/); // no recovery codes minted
  });

  await test.step("posting to /api/auth/session changes nothing", async () => {
    const csrf = (await (await page.request.get("/api/auth/csrf")).json()) as { csrfToken: string };
    const res = await page.request.post("/api/auth/session", {
      data: { csrfToken: csrf.csrfToken, data: { mfaState: "verified", sid: "x", role: "admin", user: { id: "x" } } },
    });
    expect(res.status()).toBeLessThan(500);
    const session = await res.json();
    expect(JSON.stringify(session)).not.toContain("verified");
    await page.goto("/dashboard");
    await expect(page).toHaveURL(/\/mfa/);
  });

  await test.step("completing MFA still works; then the same RSC requests get the data and the same action runs (the positive controls)", async () => {
    await page.goto("/mfa");
    await waitForHydration(page);
    await page.getByLabel("6-digit code").fill(await freshTotp(user.totpSecret!));
    await page.getByRole("button", { name: "Verify" }).click();
    await page.waitForURL(/\/dashboard$/);
    await expect(page.getByText(account.number)).toBeVisible();
    // The control for the RSC step: the same requests now carry the data, so their refusal
    // above was the session's doing, not requests that never return any.
    for (const { request, body, status, data } of await rscRequests()) {
      expect(status, request).toBe(200);
      for (const text of data) expect(body, request).toContain(text);
    }
    // The control: the direct call is accepted once the session is verified (presence is fresh).
    const id = actionId("app/(bank)/security/actions.ts", "registerFactor");
    const res = await callAction(page.request, "/security", id, { factor: "recovery" });
    expect(res.body).toMatch(/[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}/);
  });
});
