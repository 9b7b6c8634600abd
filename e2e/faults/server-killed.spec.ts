import type { BrowserContext } from "@playwright/test";
import { expect, test, type PoolUser } from "../fixtures";
import { openSql, requireFaultRunner } from "./cluster";
import { signInByAction, sleep, timedStep } from "./actions";
import { retryTransfer, transferOnce, type Attempt } from "./transfers";
import { balancesOf, checkTransferInvariants } from "./invariants";
import { AppServer, freePort } from "../app-server";

/**
 * An app server is SIGKILLed while transfers run through it — twice, at random
 * moments. PostgreSQL rolls back whatever the dead process had open, so each transfer
 * is all or nothing: Σ ledger = Δ balances, every ledger row has its audit row, no row lock
 * outlives the process, and the restarted server serves at once.
 */
test.describe.configure({ mode: "serial" });
test.beforeAll(requireFaultRunner);

const ROUNDS = 2;

test("SIGKILL while transfers run: each transfer all or nothing, Σ ledger = Δ balances", async ({ browser, makeUser, baseURL }) => {
  test.setTimeout(150_000);
  const sql = openSql();
  const base = Number(process.env.E2E_PORT ?? 3500);
  const server = new AppServer(await freePort(base + 10, base + 29));
  const opened: BrowserContext[] = [];
  try {
    await server.start();
    // Signed in through the main server: the session lives in the database, so the cookie is
    // good on any instance.
    const customers: { user: PoolUser; ctx: BrowserContext }[] = [];
    for (let i = 0; i < 2; i++) {
      const user = await makeUser("commercial");
      const ctx = await browser.newContext({ baseURL: baseURL! });
      opened.push(ctx);
      await signInByAction(ctx.request, baseURL!, user);
      customers.push({ user, ctx });
    }
    const before = await balancesOf(sql, customers.map((c) => c.user.id));
    const [{ now: since }] = await sql<{ now: Date }[]>`SELECT now()`;
    const attempts: Attempt[] = [];

    for (let round = 1; round <= ROUNDS; round++) {
      await timedStep(`round ${round}: transfers in flight, then SIGKILL`, async () => {
        let running = true;
        const loops = customers.flatMap(({ user, ctx }) =>
          [0, 1, 2].map(async (w) => {
            for (let i = w; running; i += 3) {
              const a = await transferOnce(ctx.request, server.url, user, i, attempts);
              if (a.answer!.outcome === "no_answer") await sleep(50); // the server is gone
            }
          }),
        );
        const okAtStart = attempts.filter((a) => a.answer?.outcome === "ok").length;
        // Kill at a random moment once transfers are flowing.
        await expect.poll(() => attempts.filter((a) => a.answer?.outcome === "ok").length, { timeout: 20_000 }).toBeGreaterThan(okAtStart + 3);
        await sleep(Math.floor(Math.random() * 700));
        const inFlight = attempts.filter((a) => !a.answer).length;
        await server.kill("SIGKILL");
        running = false;
        await Promise.all(loops);
        console.log(`[faults] round ${round}: killed with ${inFlight} transfers in flight`);
      });

      await timedStep(`round ${round}: no transaction of the dead server lingers; the restarted server serves at once`, async () => {
        // The kernel closed the dead process's sockets: PostgreSQL rolls its transactions back.
        await expect
          .poll(async () => (await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'`)[0]!.n, { timeout: 10_000 })
          .toBe(0);
        await server.start();
        const t = Date.now();
        const a = await transferOnce(customers[0]!.ctx.request, server.url, customers[0]!.user, round, attempts);
        expect(a.answer!.outcome, a.answer!.body).toBe("ok");
        expect(Date.now() - t, "no lock left behind by the killed server").toBeLessThan(5_000);
      });
    }

    await timedStep("every unacknowledged transfer retried with its key: applied once at most", async () => {
      for (const first of attempts.filter((a) => a.answer?.outcome !== "ok" && a.answer?.outcome !== "refused")) {
        const ctx = customers.find((c) => c.user.id === first.userId)!.ctx;
        const again = await retryTransfer(ctx.request, server.url, first, attempts);
        if (again.answer!.outcome === "refused") expect(again.answer!.body).toContain("This transfer was already made");
        else expect(again.answer!.outcome, again.answer!.body).toBe("ok");
      }
    });

    await timedStep("Σ ledger = Δ balances; each transfer with its audit row; each acknowledged attempt audited once", async () => {
      const { tally, applied } = await checkTransferInvariants(sql, before, since, attempts);
      console.log(`[faults] server killed ${ROUNDS}×: ${attempts.length} answers ${JSON.stringify(tally)}, ${applied} transfers applied`);
      expect(tally.no_answer ?? 0, "the kills really cut requests off").toBeGreaterThan(0);
    });
  } finally {
    await server.kill("SIGTERM");
    for (const ctx of opened) await ctx.close();
    await sql.end({ timeout: 5 });
  }
});
