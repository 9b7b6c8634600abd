import { randomUUID } from "node:crypto";
import type { BrowserContext, Page } from "@playwright/test";
import { expect, formAlert, freshTotp, signIn, submitLogin, test, waitForHydration, type PoolUser } from "../fixtures";
import { cluster, openSql, requireFaultRunner } from "./cluster";
import { act, signInByAction, sleep, timedStep, TRANSFER, VERIFY_STEP_UP } from "./actions";
import { formatAmount, retryTransfer, transferOnce, type Attempt } from "./transfers";
import { balancesOf, checkTransferInvariants } from "./invariants";

/**
 * The database restarts, and later its connections are terminated
 * (pg_terminate_backend), while customers transfer money. During the outage every page answers
 * 503 "temporarily unavailable" (the very first one may still be the error page with the same
 * words) and every action "temporarily unavailable"; a sign-in, an MFA answer or a step-up
 * answered during it grants nothing; afterwards the app recovers by itself; the ledger, the
 * balances and the audit log agree.
 */
test.describe.configure({ mode: "serial" });
test.beforeAll(requireFaultRunner);

const UNAVAILABLE = "The bank is temporarily unavailable. Please try again in a moment.";

type Customer = { user: PoolUser; ctx: BrowserContext; page: Page };

test("a database restart and terminated connections under load: 503s during, recovery after, no half transfer", async ({ browser, makeUser, baseURL }) => {
  test.setTimeout(150_000);
  const base = baseURL!;
  const sql = openSql();
  const opened: BrowserContext[] = [];
  const newPage = async () => {
    const ctx = await browser.newContext({ baseURL: base });
    opened.push(ctx);
    return { ctx, page: await ctx.newPage() };
  };
  try {
    const setupStarted = Date.now();
    const customers: Customer[] = [];
    for (let i = 0; i < 3; i++) {
      const user = await makeUser("commercial");
      const { ctx, page } = await newPage();
      await signInByAction(ctx.request, base, user);
      customers.push({ user, ctx, page });
    }
    // Three flows that will be caught mid-way by the outage.
    const signingIn = { user: await makeUser("commercial"), ...(await newPage()) };
    await signingIn.page.goto("/login");
    await waitForHydration(signingIn.page);
    const answeringMfa = { user: await makeUser("retail_totp"), ...(await newPage()) };
    await signIn(answeringMfa.page, answeringMfa.user, { mfa: false });
    await expect(answeringMfa.page).toHaveURL(/\/mfa/);
    await waitForHydration(answeringMfa.page);
    const steppingUp = { user: await makeUser("retail_totp"), ...(await newPage()) };
    await signIn(steppingUp.page, steppingUp.user);
    const [everyday, savings] = steppingUp.user.accounts;
    const bigTransfer = { from: savings!.id, to: `account:${everyday!.id}`, amount: formatAmount(200_000), memo: "step-up during an outage", idempotencyKey: randomUUID() };
    const required = await act(steppingUp.ctx.request, `${base}/transfer`, ...TRANSFER, bigTransfer);
    expect(required.outcome, required.body).toBe("mfa_required");
    const challengeId = /"challengeId":"([0-9a-f-]{36})"/.exec(required.body)![1]!;
    console.log(`[faults]   ${((Date.now() - setupStarted) / 1000).toFixed(1)} s  setup: 6 users signed in or mid-flow`);

    const userIds = customers.map((c) => c.user.id);
    const before = await balancesOf(sql, userIds);
    const [{ now: since }] = await sql<{ now: Date }[]>`SELECT now()`;

    // Load: two transfer loops per customer until told to stop (bounded by the test's phases).
    const attempts: Attempt[] = [];
    let running = true;
    const loops = customers.flatMap(({ user, ctx }) =>
      [0, 1].map(async (w) => {
        for (let i = w; running; i += 2) {
          await transferOnce(ctx.request, base, user, i, attempts);
          await sleep(100);
        }
      }),
    );
    const okSoFar = () => attempts.filter((a) => a.answer?.outcome === "ok").length;
    await expect.poll(okSoFar, { timeout: 15_000 }).toBeGreaterThan(5);

    await timedStep("the database stops (fast shutdown): pages answer 503, actions 'temporarily unavailable'", async () => {
      await cluster.stop();
      const t = Date.now();
      const { request } = customers[0]!.ctx;
      // The first page request may still render the error page; from then on the proxy answers 503.
      await expect
        .poll(async () => (await request.get(`${base}/dashboard`, { maxRedirects: 0 })).status(), { timeout: 10_000 })
        .toBe(503);
      const res = await customers[0]!.page.goto("/dashboard");
      expect(res?.status()).toBe(503);
      expect(res?.headers()["retry-after"]).toBe("5");
      await expect(customers[0]!.page.getByRole("heading", { name: "Temporarily unavailable" })).toBeVisible();
      const answer = await transferOnce(request, base, customers[0]!.user, 0, attempts);
      expect(answer.answer!.outcome, answer.answer!.body).toBe("unavailable");
      expect(answer.answer!.ms, "an outage is answered at once, not after a long wait").toBeLessThan(5_000);
      console.log(`[faults] outage noticed and answered 503 within ${Date.now() - t} ms`);
    });

    await timedStep("mid-flow during the outage: a password, an MFA code and a step-up answer all get the clear message", async () => {
      await submitLogin(signingIn.page, signingIn.user.username, signingIn.user.password);
      await expect(formAlert(signingIn.page)).toHaveText(UNAVAILABLE);
      await expect(signingIn.page).toHaveURL(/\/login/);

      await answeringMfa.page.getByLabel("6-digit code").fill(await freshTotp(answeringMfa.user.totpSecret!));
      await answeringMfa.page.getByRole("button", { name: "Verify" }).click();
      // The MFA form shows it under the code field.
      await expect(answeringMfa.page.getByRole("main").getByText(UNAVAILABLE)).toBeVisible();
      await expect(answeringMfa.page).toHaveURL(/\/mfa/);

      const verified = await act(steppingUp.ctx.request, `${base}/transfer`, ...VERIFY_STEP_UP, {
        challengeId,
        factor: "totp",
        code: await freshTotp(steppingUp.user.totpSecret!),
      });
      expect(verified.outcome, verified.body).toBe("unavailable");
      expect(verified.body).not.toContain("grantId");
    });

    await sleep(1_000); // the load keeps knocking during the outage

    await timedStep("the database is back: the app recovers by itself", async () => {
      await cluster.start();
      const t = Date.now();
      await expect
        .poll(async () => (await customers[0]!.ctx.request.get(`${base}/dashboard`, { maxRedirects: 0 })).status(), { timeout: 20_000, intervals: [250] })
        .toBe(200);
      const okBefore = okSoFar();
      await expect.poll(okSoFar, { timeout: 20_000 }).toBeGreaterThan(okBefore + 5);
      console.log(`[faults] recovered ${Date.now() - t} ms after the database was back`);
    });

    await timedStep("what was answered during the outage granted nothing", async () => {
      const [sessions] = await sql<{ any: number; verified: number }[]>`
        SELECT count(*)::int AS any, count(*) FILTER (WHERE mfa_state IN ('verified', 'none'))::int AS verified
          FROM sessions WHERE user_id = ${signingIn.user.id}`;
      expect(sessions, "no session for the sign-in refused during the outage").toEqual({ any: 0, verified: 0 });
      const [mfa] = await sql<{ verified: number }[]>`
        SELECT count(*)::int AS verified FROM sessions WHERE user_id = ${answeringMfa.user.id} AND mfa_state = 'verified'`;
      expect(mfa!.verified, "no verified session for the MFA answer refused during the outage").toBe(0);
      const [grants] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM step_up_grants WHERE user_id = ${steppingUp.user.id}`;
      expect(grants!.n, "no grant for the step-up answered during the outage").toBe(0);
      const [silent] = await sql<{ n: number }[]>`
        SELECT count(*)::int AS n FROM audit_events
         WHERE subject_user_id IN ${sql([signingIn.user.id, answeringMfa.user.id, steppingUp.user.id])}
           AND action IN ('sign_in.password', 'mfa.verify') AND at >= ${since}`;
      expect(silent!.n, "no audit row for attempts that never reached the database").toBe(0);
    });

    await timedStep("after recovery the same flows simply work", async () => {
      await submitLogin(signingIn.page, signingIn.user.username, signingIn.user.password);
      await expect(signingIn.page.getByRole("heading", { name: /Hello/ })).toBeVisible();

      await answeringMfa.page.reload();
      await waitForHydration(answeringMfa.page);
      await answeringMfa.page.getByLabel("6-digit code").fill(await freshTotp(answeringMfa.user.totpSecret!));
      await answeringMfa.page.getByRole("button", { name: "Verify" }).click();
      await expect(answeringMfa.page.getByRole("heading", { name: /Hello/ })).toBeVisible();

      // The challenge opened before the outage is still there; a code now mints the grant.
      const verified = await act(steppingUp.ctx.request, `${base}/transfer`, ...VERIFY_STEP_UP, {
        challengeId,
        factor: "totp",
        code: await freshTotp(steppingUp.user.totpSecret!),
      });
      expect(verified.outcome, verified.body).toBe("ok");
      const grantId = /"grantId":"([0-9a-f-]{36})"/.exec(verified.body)![1]!;
      const done = await act(steppingUp.ctx.request, `${base}/transfer`, ...TRANSFER, { ...bigTransfer, grantId });
      expect(done.outcome, done.body).toBe("ok");
      expect(done.body).toContain("Sent €2,000.00");
    });

    await timedStep("connections terminated (pg_terminate_backend) three times under load: the pool replaces them", async () => {
      for (let i = 0; i < 3; i++) {
        const n = await cluster.terminateConnections();
        console.log(`[faults] terminated ${n} connections`);
        await sleep(400);
      }
      const okBefore = okSoFar();
      await expect.poll(okSoFar, { timeout: 15_000 }).toBeGreaterThan(okBefore + 5);
      expect((await customers[1]!.ctx.request.get(`${base}/dashboard`, { maxRedirects: 0 })).status()).toBe(200);
    });

    running = false;
    await Promise.all(loops);

    await timedStep("every attempt the app could not answer is retried with its key: applied once at most", async () => {
      const unanswered = attempts.filter((a) => a.answer?.outcome !== "ok" && a.answer?.outcome !== "refused");
      for (const first of unanswered) {
        const customer = customers.find((c) => c.user.id === first.userId)!;
        const again = await retryTransfer(customer.ctx.request, base, first, attempts);
        // Either it had not happened (now it does) or it had (the key says so).
        if (again.answer!.outcome === "refused") expect(again.answer!.body).toContain("This transfer was already made");
        else expect(again.answer!.outcome, again.answer!.body).toBe("ok");
      }
    });

    await timedStep("Σ ledger = Δ balances; every transfer with its audit row; every acknowledged attempt audited once", async () => {
      const { tally, applied } = await checkTransferInvariants(sql, before, since, attempts);
      console.log(`[faults] database outage: ${attempts.length} answers ${JSON.stringify(tally)}, ${applied} transfers applied`);
      expect(tally.unavailable ?? 0, "the outage was really seen by the load").toBeGreaterThan(0);
      expect(tally.http_error ?? 0, "never a bare 500 to an action").toBe(0);
    });
  } finally {
    // Whatever failed above, the cluster runs again for the specs after this one.
    await cluster.ensureRunning();
    for (const ctx of opened) await ctx.close();
    await sql.end({ timeout: 5 });
  }
});
