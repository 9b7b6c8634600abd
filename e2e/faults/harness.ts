import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import type { APIRequestContext } from "@playwright/test";
import postgres from "postgres";
import { expect, test } from "../fixtures";
import { actionId, callAction } from "../server-actions";

/**
 * What the fault specs share: the throwaway PostgreSQL cluster scripts/run-faults.ts started
 * (stop, start, terminate connections), app servers the specs own (start, SIGKILL, restart),
 * direct server-action calls, and the invariants checked after every fault.
 */

export function requireFaultRunner() {
  if (!process.env.FAULTS_PG_CTL || !process.env.DATABASE_URL) {
    throw new Error("The fault suite runs through `npm run test:faults` (scripts/run-faults.ts): it needs its own PostgreSQL cluster.");
  }
}

/** A small client of the test's own for checks (never the app's pool). */
export function openSql() {
  return postgres(process.env.DATABASE_URL!, { max: 2, onnotice: () => {}, connect_timeout: 5, idle_timeout: 2 });
}

// ─── The cluster ───────────────────────────────────────────────────────────────────────

/** Runs pg_ctl on the suite's cluster; resolves with its exit code (status: 3 = not running). */
function pgCtl(command: "stop" | "start" | "status", extra: string[] = []): Promise<number> {
  const [cmd, ...args] = JSON.parse(process.env.FAULTS_PG_CTL!) as string[];
  return new Promise((resolve, reject) => {
    execFile(cmd!, [...args, ...extra, command], { timeout: 40_000 }, (err, _out, stderr) => {
      if (!err) return resolve(0);
      if (command === "status" && typeof err.code === "number") return resolve(err.code);
      reject(new Error(`pg_ctl ${command}: ${err.message} ${stderr}`));
    });
  });
}

export const cluster = {
  /** Fast shutdown: every connection is terminated (57P01), then nothing listens. */
  async stop() {
    await pgCtl("stop", ["-m", "fast"]);
  },
  async start() {
    await pgCtl("start");
  },
  /** For a spec's `finally`: the cluster runs again for the specs after it, whatever failed. */
  async ensureRunning() {
    if ((await pgCtl("status")) !== 0) await pgCtl("start");
  },
  /** pg_terminate_backend on every other connection to this suite's own database. */
  async terminateConnections(): Promise<number> {
    const sql = openSql();
    try {
      const rows = await sql<{ n: number }[]>`
        SELECT count(*)::int AS n FROM (
          SELECT pg_terminate_backend(pid) FROM pg_stat_activity
           WHERE datname = current_database() AND pid <> pg_backend_pid()) t`;
      return rows[0]!.n;
    } finally {
      await sql.end({ timeout: 5 });
    }
  },
};

// ─── App servers the spec owns ─────────────────────────────────────────────────────────

// freePort and AppServer live in e2e/app-server.ts (the main suite starts servers too).
export { AppServer, freePort } from "../app-server";

// ─── Server actions, called directly ───────────────────────────────────────────────────

export type Outcome = "ok" | "refused" | "unavailable" | "mfa_required" | "wait" | "http_error" | "no_answer";
export type Answer = { outcome: Outcome; status: number; body: string; ms: number };

/** Classifies an action's answer: ActionState fields appear in the RSC body as JSON. */
export async function act(request: APIRequestContext, url: string, file: string, name: string, fields: Record<string, string>, timeoutMs = 30_000): Promise<Answer> {
  const t = Date.now();
  let timer: NodeJS.Timeout | undefined;
  let res: { status: number; body: string };
  try {
    res = await Promise.race([
      callAction(request, url, actionId(file, name), fields),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (err) {
    // Connection refused or reset (a killed server), or no answer in time.
    return { outcome: "no_answer", status: 0, body: err instanceof Error ? err.message : String(err), ms: Date.now() - t };
  } finally {
    clearTimeout(timer);
  }
  const ms = Date.now() - t;
  const { status, body } = res;
  // A 5xx or a body without an action state: the app failed to answer cleanly.
  if (status >= 500 || !/"status":"(ok|error|idle)"/.test(body)) return { outcome: "http_error", status, body, ms };
  const code = /"code":"(\w+)"/.exec(body)?.[1];
  if (code === "unavailable") return { outcome: "unavailable", status, body, ms };
  if (code === "mfa_required") return { outcome: "mfa_required", status, body, ms };
  if (code === "wait") return { outcome: "wait", status, body, ms };
  return { outcome: /"status":"error"/.test(body) ? "refused" : "ok", status, body, ms };
}

export const TRANSFER = ["app/(bank)/transfer/actions.ts", "transferFunds"] as const;
export const SIGN_IN = ["app/(auth)/login/actions.ts", "signInWithPassword"] as const;

/**
 * Signs a user without MFA in by calling the sign-in action directly (no page to load and
 * hydrate): the answer names the destination, and the session cookie lands in `request`'s jar —
 * a BrowserContext's request shares it with its pages.
 */
export async function signInByAction(request: APIRequestContext, base: string, user: { username: string; password: string }) {
  const a = await callAction(request, `${base}/login`, actionId(...SIGN_IN), { username: user.username, password: user.password });
  expect(a.status, `sign-in of ${user.username}`).toBe(200);
  expect(a.body, `sign-in of ${user.username}`).not.toContain("Incorrect username or password");
  const res = await request.get(`${base}/dashboard`, { maxRedirects: 0 });
  expect(res.status(), `${user.username} is signed in`).toBe(200);
}

export const VERIFY_STEP_UP = ["app/(bank)/step-up/actions.ts", "verifyStepUp"] as const;

export type Attempt = {
  userId: string;
  amountMinor: number;
  from: string;
  to: string;
  key: string;
  answer?: Answer;
};

/** Every attempt of a spec gets its own amount in cents, so audit rows can be matched to it. */
let nextCents = 101;
export function uniqueAmount(): number {
  return nextCents++;
}

export function formatAmount(minor: number): string {
  return `${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, "0")}`;
}

/** One transfer under €1,000 (no step-up) between the user's own accounts or to their payee. */
export async function transferOnce(
  request: APIRequestContext,
  base: string,
  user: { id: string; accounts: { id: string }[]; payee: { id: string } },
  i: number,
  attempts: Attempt[],
): Promise<Attempt> {
  const [everyday, savings] = user.accounts;
  const route = [
    { from: everyday!.id, to: `account:${savings!.id}` },
    { from: savings!.id, to: `account:${everyday!.id}` },
    { from: everyday!.id, to: `payee:${user.payee.id}` },
  ][i % 3]!;
  const attempt: Attempt = { userId: user.id, amountMinor: uniqueAmount(), ...route, key: randomUUID() };
  attempts.push(attempt);
  attempt.answer = await act(request, `${base}/transfer`, ...TRANSFER, {
    from: attempt.from,
    to: attempt.to,
    amount: formatAmount(attempt.amountMinor),
    memo: "fault suite",
    idempotencyKey: attempt.key,
  });
  return attempt;
}

/** The same intended transfer again (same key and amount), as the form does after "try again". */
export async function retryTransfer(request: APIRequestContext, base: string, first: Attempt, attempts: Attempt[]): Promise<Attempt> {
  const attempt: Attempt = { ...first, answer: undefined };
  attempts.push(attempt);
  attempt.answer = await act(request, `${base}/transfer`, ...TRANSFER, {
    from: attempt.from,
    to: attempt.to,
    amount: formatAmount(attempt.amountMinor),
    memo: "fault suite",
    idempotencyKey: attempt.key,
  });
  return attempt;
}

/** test.step that also prints how long it took (the suite has a time budget). */
export async function timedStep<T>(name: string, body: () => Promise<T>): Promise<T> {
  const t = Date.now();
  try {
    return await test.step(name, body);
  } finally {
    console.log(`[faults]   ${((Date.now() - t) / 1000).toFixed(1)} s  ${name}`);
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ─── Invariants ────────────────────────────────────────────────────────────────────────

export type Balances = Map<string, number>;

export async function balancesOf(sql: postgres.Sql, userIds: string[]): Promise<Balances> {
  const rows = await sql<{ id: string; balance: string }[]>`SELECT id, balance_minor::text AS balance FROM accounts WHERE user_id IN ${sql(userIds)}`;
  return new Map(rows.map((r) => [r.id, Number(r.balance)]));
}

/**
 * Money: for every account, balance now − balance before = Σ ledger in − Σ ledger out of the
 * transfers made since (so no transfer row exists without both balance updates, and no
 * balance moved without its row). Attempts: a transfer row and its "transfer ok" audit row
 * exist together or not at all; an attempt answered ok has exactly one of each; an attempt
 * answered with a refusal has none and exactly one "refused" audit row; an attempt the server
 * never acknowledged (outage, SIGKILL) is all or nothing. Idempotency keys are unique.
 */
export async function checkTransferInvariants(sql: postgres.Sql, before: Balances, since: Date, attempts: Attempt[]) {
  const userIds = [...new Set(attempts.map((a) => a.userId))];
  const after = await balancesOf(sql, userIds);
  const ledger = await sql<{ from_account_id: string; to_account_id: string | null; amount: string; key: string | null }[]>`
    SELECT from_account_id, to_account_id, amount_minor::text AS amount, idempotency_key AS key
      FROM transfers WHERE user_id IN ${sql(userIds)} AND created_at >= ${since}`;
  const expected = new Map(before);
  for (const t of ledger) {
    expected.set(t.from_account_id, expected.get(t.from_account_id)! - Number(t.amount));
    if (t.to_account_id) expected.set(t.to_account_id, expected.get(t.to_account_id)! + Number(t.amount));
  }
  expect(Object.fromEntries(after), "Δ balances = Σ ledger, per account").toEqual(Object.fromEntries(expected));

  const audits = await sql<{ amount: string; outcome: string; n: number }[]>`
    SELECT details->>'amountMinor' AS amount, outcome, count(*)::int AS n FROM audit_events
     WHERE action = 'transfer' AND subject_user_id IN ${sql(userIds)} AND at >= ${since}
     GROUP BY 1, 2`;
  const auditCount = (amount: number, outcome: string) => audits.find((a) => Number(a.amount) === amount && a.outcome === outcome)?.n ?? 0;
  const rowsByKey = new Map<string, number>();
  for (const t of ledger) if (t.key) rowsByKey.set(t.key, (rowsByKey.get(t.key) ?? 0) + 1);

  const tally: Record<string, number> = {};
  const byAmount = new Map<number, Attempt[]>();
  for (const a of attempts) byAmount.set(a.amountMinor, [...(byAmount.get(a.amountMinor) ?? []), a]);
  for (const [amount, tries] of byAmount) {
    // One intended transfer: one key, maybe retried with the same key after an outage.
    expect(new Set(tries.map((t) => t.key)).size, `amount ${amount}: one key`).toBe(1);
    const applied = rowsByKey.get(tries[0]!.key) ?? 0;
    const answers = tries.map((t) => t.answer?.outcome ?? "no_answer");
    for (const o of answers) tally[o] = (tally[o] ?? 0) + 1;
    const what = `transfer of ${amount} cents answered ${answers.join(", ")}: ${tries.map((t) => `${t.answer?.status} ${t.answer?.body.slice(0, 160)}`).join(" | ")}`;
    expect(applied, `${what}: at most one ledger row`).toBeLessThanOrEqual(1);
    expect(auditCount(amount, "ok"), `${what}: ledger row and "ok" audit row together`).toBe(applied);
    if (answers.includes("ok")) expect(applied, what).toBe(1);
    // Each refusal acknowledged to the client left exactly one audit row; nothing else did.
    expect(auditCount(amount, "refused"), `${what}: one "refused" audit row per refusal`).toBe(answers.filter((o) => o === "refused").length);
    for (const o of answers) expect(["ok", "refused", "unavailable", "no_answer"], what).toContain(o);
  }
  return { tally, applied: ledger.length };
}
