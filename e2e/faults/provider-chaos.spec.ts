import { randomInt, randomUUID } from "node:crypto";
import http from "node:http";
import { expect, signIn, test, waitForHydration } from "../fixtures";
import { openSql, requireFaultRunner } from "./cluster";
import { act, sleep, timedStep, TRANSFER, VERIFY_STEP_UP, type Answer } from "./actions";
import { formatAmount } from "./transfers";

/**
 * Provider chaos. A provider written here from docs/PROVIDER-CONTRACT.md (on the
 * port of the pool's "ind" provider row, whose client timeout is 1.5 s) answers with random
 * latency of 0–10 s, 20 % 5xx, duplicated statuses (a settled SUCCESS is answered again to
 * every later validate) and flapping ones (the first two right codes answered FAILED, then
 * SUCCESS on the same transaction). Step-ups for transfers go through it, raced and retried. Then: no
 * SUCCESS serves twice, a FAILED never becomes a grant, every wait is bounded, and only the
 * FAILED answers the app received count toward lockout — no provider fault does.
 */
test.describe.configure({ mode: "serial" });
test.beforeAll(requireFaultRunner);

const ROUNDS = 3;
/** The app's client: 1.5 s per call (the provider row), one retry for GETs, plus the app's own work. */
const BOUND_MS = 10_000;

// A seeded generator, so a failing run can be replayed with FAULTS_SEED.
const seed = Number(process.env.FAULTS_SEED ?? randomInt(1, 2 ** 31));
let s = seed >>> 0;
function random(): number {
  s = (s + 0x6d2b79f5) >>> 0;
  let t = s;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

type Txn = { uniqueName: string; code: string; status: "PENDING" | "SUCCESS" | "FAILED"; flapped: boolean };
const txns = new Map<string, Txn>();
let chaos = false;
/** The first two right codes under chaos flap (fewer than the lockout threshold of 5). */
let flapsLeft = 2;
const sentStats = { requests: 0, fivexx: 0, delayed: 0, successAnswers: 0, failedAnswers: 0, duplicateSuccess: 0, flaps: 0 };
/** Transactions the provider ever answered SUCCESS for. */
const succeeded = new Set<string>();
let server: http.Server;

function json(res: http.ServerResponse, status: number, body: unknown) {
  if (res.destroyed) return; // the app gave up waiting: its timeout worked
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

test.beforeAll(async () => {
  console.log(`[faults] provider chaos seed ${seed} (FAULTS_SEED=${seed} replays the provider's choices)`);
  server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const url = new URL(req.url!, "http://127.0.0.1");
    const route = `${req.method} ${url.pathname}`;
    if (chaos) {
      sentStats.requests++;
      if (random() < 0.35) {
        sentStats.delayed++;
        await sleep(Math.floor(random() * 10_000));
      }
      if (random() < 0.2) {
        sentStats.fivexx++;
        return json(res, [500, 502, 503][Math.floor(random() * 3)]!, { error: "chaos" });
      }
    }
    if (route === "POST /api/oauth/token") {
      const basic = Buffer.from((req.headers.authorization ?? "").replace(/^Basic /, ""), "base64").toString();
      if (basic !== "independent-client:independent-secret") return json(res, 401, { error: "invalid_client" });
      return json(res, 200, { access_token: "chaos-token-0123456789", token_type: "Bearer", expires_in: 600 });
    }
    if (req.headers.authorization !== "Bearer chaos-token-0123456789") return json(res, 401, { error: "invalid_token" });
    if (route === "GET /api/v1/enrollments") {
      const uniqueName = url.searchParams.get("uniqueName") ?? "";
      return json(res, 200, { uniqueName, enrollments: [{ id: "phone-1", capability: "sms_otp", maskedTarget: "••••4321" }] });
    }
    if (route === "POST /api/v1/mfa") {
      const { uniqueName } = JSON.parse(body) as Record<string, string>;
      const transactionId = `chaos-${randomUUID()}`;
      txns.set(transactionId, { uniqueName: uniqueName!, code: String(randomInt(0, 1e6)).padStart(6, "0"), status: "PENDING", flapped: false });
      return json(res, 201, { transactionId, status: "PENDING", expiresAt: new Date(Date.now() + 300_000).toISOString() });
    }
    if (route === "POST /api/v1/mfa/validate") {
      const { transactionId, code } = JSON.parse(body) as Record<string, string>;
      const t = txns.get(transactionId!);
      if (!t) return json(res, 404, { error: "transaction_not_found" });
      let status: Txn["status"];
      if (t.status === "SUCCESS") {
        status = "SUCCESS"; // duplicated: a settled SUCCESS is answered again, whatever is sent
        sentStats.duplicateSuccess++;
      } else if (code !== t.code) {
        status = "FAILED";
      } else if (chaos && !t.flapped && flapsLeft > 0) {
        status = "FAILED"; // flapping: the right code is refused once, then accepted
        flapsLeft--;
        t.flapped = true;
        sentStats.flaps++;
      } else {
        status = t.status = "SUCCESS";
      }
      if (status === "SUCCESS") {
        succeeded.add(transactionId!);
        sentStats.successAnswers++;
      } else sentStats.failedAnswers++;
      return json(res, 200, { transactionId, uniqueName: t.uniqueName, capability: "sms_otp", status });
    }
    if (route.startsWith("POST /api/v1/mfa/transactions/")) {
      const id = decodeURIComponent(url.pathname.split("/")[5] ?? "");
      const t = txns.get(id);
      if (!t) return json(res, 404, { error: "transaction_not_found" });
      return json(res, 200, { transactionId: id, uniqueName: t.uniqueName, capability: "sms_otp", status: t.status === "PENDING" ? "CANCELED" : t.status });
    }
    return json(res, 404, { error: "not_found" });
  });
  await new Promise<void>((resolve) => server.listen(Number(process.env.E2E_INDEPENDENT_PROVIDER_PORT), "127.0.0.1", resolve));
});

test.afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
});

const lastCodeFor = (uniqueName: string) => [...txns.values()].filter((t) => t.uniqueName === uniqueName).at(-1)?.code;

test("provider chaos during step-ups: no double use, no upgrade from FAILED, bounded waits, faults never count", async ({ page, makeUser, baseURL }) => {
  test.setTimeout(240_000);
  const base = baseURL!;
  const sql = openSql();
  try {
    const user = await makeUser("independent");
    const email = `${user.username}@e2e.mfa-bank.example`;
    await timedStep("signed in through the provider while it behaves", async () => {
      await signIn(page, user, { mfa: false });
      await waitForHydration(page);
      await page.getByRole("button", { name: "Send code" }).click();
      await expect(page.getByRole("textbox", { name: "6-digit code" })).toBeVisible();
      await page.getByRole("textbox", { name: "6-digit code" }).fill(lastCodeFor(email)!);
      await page.getByRole("button", { name: "Verify" }).click();
      await page.waitForURL((url) => url.pathname === "/dashboard");
    });
    const [{ now: since }] = await sql<{ now: Date }[]>`SELECT now()`;
    chaos = true;

    const answers: Answer[] = [];
    let failedReceived = 0;
    const step = async (challengeId: string, fields: Record<string, string>) => {
      const a = await act(page.request, `${base}/transfer`, ...VERIFY_STEP_UP, { challengeId, factor: "ind:sms_otp", ...fields }, 30_000);
      answers.push(a);
      expect(a.ms, `a step answered within ${BOUND_MS} ms: ${a.body.slice(0, 200)}`).toBeLessThan(BOUND_MS);
      expect(["ok", "refused", "unavailable", "wait"], a.body.slice(0, 300)).toContain(a.outcome);
      if (a.body.includes("That code is not right")) failedReceived++;
      if (a.outcome === "wait") await sleep(Number(/"retryAfterMs":(\d+)/.exec(a.body)?.[1] ?? 1000) + 100);
      return a;
    };
    const grantOf = (a: Answer) => /"grantId":"([0-9a-f-]{36})"/.exec(a.body)?.[1];
    const [everyday, savings] = user.accounts;
    let granted = 0;

    for (let round = 1; round <= ROUNDS; round++) {
      await timedStep(`round ${round}: a transfer over €1,000 stepped up through the chaotic provider`, async () => {
        const transfer = { from: savings!.id, to: `account:${everyday!.id}`, amount: formatAmount(100_000 + round), memo: "chaos", idempotencyKey: randomUUID() };
        const required = await act(page.request, `${base}/transfer`, ...TRANSFER, transfer);
        expect(required.outcome, required.body).toBe("mfa_required");
        const challengeId = /"challengeId":"([0-9a-f-]{36})"/.exec(required.body)![1]!;

        let phase: "targets" | "send" | "code" = "targets";
        let grantId: string | undefined;
        // Bounded: every step is bounded, and so are their number and the round's time.
        const deadline = Date.now() + 60_000;
        for (let i = 0; i < 30 && !grantId && Date.now() < deadline; i++) {
          if (phase === "targets") {
            const a = await step(challengeId, { step: "targets" });
            if (a.body.includes('"phase":"select"')) phase = "send";
          } else if (phase === "send") {
            const a = await step(challengeId, { step: "send", target: "phone-1", targetLabel: "SMS to ••••4321" });
            if (a.body.includes('"phase":"code"')) phase = "code";
          } else {
            const code = lastCodeFor(email)!;
            // The same code twice at once: the provider answers SUCCESS to both (duplicated).
            const [a, b] = await Promise.all([step(challengeId, { step: "code", code }), step(challengeId, { step: "code", code })]);
            const grants = [grantOf(a), grantOf(b)].filter(Boolean);
            expect(grants.length, "one provider SUCCESS, at most one grant").toBeLessThanOrEqual(1);
            grantId = grants[0];
            if (grantId) break;
            if ([a, b].some((x) => x.body.includes("That code is not right"))) {
              // FAILED (maybe flapping): the transaction is spent; the same right code again,
              // which the provider would now call SUCCESS, does not pass.
              const again = await step(challengeId, { step: "code", code });
              expect(grantOf(again), "a FAILED transaction never becomes a grant").toBeUndefined();
              if (again.outcome !== "wait") expect(again.body).toMatch(/Send a code first|temporarily unavailable|unavailable/);
              phase = "send";
            } else if ([a, b].some((x) => x.body.includes("Send a code first"))) {
              phase = "send";
            }
          }
        }
        expect(grantId, "the step-up got through the chaos within its bounded tries").toBeTruthy();
        granted++;

        // A late duplicate SUCCESS for the spent challenge grants nothing more.
        const late = await step(challengeId, { step: "code", code: lastCodeFor(email)! });
        expect(grantOf(late)).toBeUndefined();

        const done = await act(page.request, `${base}/transfer`, ...TRANSFER, { ...transfer, grantId: grantId! });
        expect(done.outcome, done.body).toBe("ok");
        const twice = await act(page.request, `${base}/transfer`, ...TRANSFER, { ...transfer, grantId: grantId! });
        expect(twice.outcome, "a grant serves once").toBe("mfa_required");
      });
    }

    await timedStep("the books: grants, transfers, lockout counters", async () => {
      const [grants] = await sql<{ n: number; used: number }[]>`
        SELECT count(*)::int AS n, count(used_at)::int AS used FROM step_up_grants WHERE user_id = ${user.id} AND created_at >= ${since}`;
      expect(grants, "one grant per round, each used").toEqual({ n: granted, used: granted });
      expect(grants!.n, "never more grants than SUCCESS transactions").toBeLessThanOrEqual(succeeded.size);
      const [moved] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM transfers WHERE user_id = ${user.id} AND created_at >= ${since}`;
      expect(moved!.n).toBe(ROUNDS);
      const audit = await sql<{ action: string; outcome: string; n: number }[]>`
        SELECT action, outcome, count(*)::int AS n FROM audit_events
         WHERE subject_user_id = ${user.id} AND at >= ${since} AND action IN ('mfa.verify', 'mfa.provider_fault') GROUP BY 1, 2`;
      const count = (action: string, outcome: string) => audit.find((r) => r.action === action && r.outcome === outcome)?.n ?? 0;
      expect(count("mfa.verify", "failed"), "only the FAILED answers the app received count as failures").toBe(failedReceived);
      expect(count("mfa.provider_fault", "failed"), "the chaos was seen as provider faults").toBeGreaterThan(0);
      const [u] = await sql<{ locked: boolean; failed: number }[]>`SELECT locked_at IS NOT NULL AS locked, failed_attempts AS failed FROM users WHERE id = ${user.id}`;
      expect(u!.locked, "provider faults never lock an account").toBe(false);
      const slowest = Math.max(...answers.map((a) => a.ms));
      console.log(
        `[faults] provider chaos: ${answers.length} step answers, slowest ${slowest} ms; provider sent ${JSON.stringify(sentStats)}; ` +
          `faults audited ${count("mfa.provider_fault", "failed")}, failures counted ${failedReceived}`,
      );
    });
  } finally {
    chaos = false;
    await sql.end({ timeout: 5 });
  }
});
