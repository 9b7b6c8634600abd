import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { readSetup, type CallerKind, type FuzzSetup } from "./setup";
import { junkCookie } from "./junk";

/**
 * The fuzz harness: sends generated requests with plain `fetch` (no cookie jar: every request
 * carries exactly the cookies its caller has), a few at a time, and checks every answer:
 * no 5xx, no stack trace or internal path, no secret. A probe may add its own check.
 */

/**
 * What a leaked error looks like in a response: a stack frame ("at fn (file:line:col)"), an
 * internal path, an error's name and message, a password hash.
 */
export const LEAK = new RegExp(
  [
    String.raw`\bat [^\s()]+ \([^()\n]*:\d+:\d+\)`,
    String.raw`^\s*at [^\n]*:\d+:\d+$`,
    "node_modules",
    "webpack-internal",
    String.raw`\.next-e2e`,
    String.raw`\b(?:Type|Reference|Syntax|Range|URI)?Error: `,
    String.raw`\$argon2id\$`,
    process.cwd().replace(/[.*+?^${}()|[\]\\]/g, "\\$&"),
  ].join("|"),
  "m",
);

export type Probe = {
  caller: CallerKind;
  method: "GET" | "POST" | "PUT" | "DELETE" | "PATCH" | "HEAD";
  /** Path and query, already encoded. */
  path: string;
  headers?: Record<string, string>;
  body?: Buffer;
  contentType?: string;
  /** A check of its own on top of the common ones: a problem description, or null. */
  check?: (res: { status: number; body: string; headers: Headers }) => string | null;
  /** For the report. */
  note?: string;
};

export type Summary = { endpoint: string; requests: number; statuses: Record<number, number>; problems: string[]; ms: number };

const setup: FuzzSetup = readSetup();
const baseURL = `http://127.0.0.1:${process.env.E2E_PORT}`;
/** Secrets are searched for verbatim; short ones would match by chance. */
const secrets = [...new Set(setup.secrets)].filter((s) => s.length >= 12);
const realCookies = Object.values(setup.callers).map((c) => c.cookie);
const junkCookies = fc.sample(junkCookie(realCookies), { numRuns: 200, seed: seed() });
let junkIndex = 0;

export function seed(): number {
  return Number(process.env.FUZZ_SEED ?? 20261130);
}

export function fuzzSetup(): FuzzSetup {
  return setup;
}

/** The Cookie header of a caller (a junk one for "junk-cookie"), or none for "anonymous". */
export function cookieOf(caller: CallerKind): string | undefined {
  if (caller === "anonymous") return undefined;
  if (caller === "junk-cookie") return junkCookies[junkIndex++ % junkCookies.length];
  const c = setup.callers[caller];
  if (!c) throw new Error(`fuzz: no ${caller} caller in the setup`);
  return `mfa-bank.session=${c.cookie}`;
}

function describe(p: Probe): string {
  const body = p.body ? ` body ${p.body.length} B ${JSON.stringify(p.body.subarray(0, 160).toString("latin1"))}` : "";
  const headers = p.headers ? ` headers ${JSON.stringify(p.headers).slice(0, 200)}` : "";
  return `${p.caller} ${p.method} ${p.path.slice(0, 200)}${headers}${body}${p.note ? ` (${p.note})` : ""}`;
}

async function send(p: Probe): Promise<{ status: number; body: string; headers: Headers }> {
  const headers: Record<string, string> = { ...(p.headers ?? {}) };
  const cookie = cookieOf(p.caller);
  if (cookie) headers.cookie = cookie;
  if (p.contentType) headers["content-type"] = p.contentType;
  const res = await fetch(baseURL + p.path, {
    method: p.method,
    headers,
    body: p.method === "GET" || p.method === "HEAD" || !p.body ? undefined : new Uint8Array(p.body),
    redirect: "manual",
    signal: AbortSignal.timeout(30_000),
  });
  return { status: res.status, body: await res.text(), headers: res.headers };
}

/** The problems of one answer: 5xx, a leak, a secret, or the probe's own check. */
function problemsOf(p: Probe, res: { status: number; body: string; headers: Headers }): string[] {
  const out: string[] = [];
  if (res.status >= 500) out.push(`status ${res.status}`);
  const visible = `${[...res.headers].map(([k, v]) => `${k}: ${v}`).join("\n")}\n${res.body}`;
  const leak = visible.match(LEAK);
  if (leak) out.push(`leak ${JSON.stringify(visible.slice(Math.max(0, leak.index! - 60), leak.index! + 80))}`);
  for (const s of secrets) if (visible.includes(s)) out.push(`secret in the response (${s.slice(0, 4)}…)`);
  const own = p.check?.(res);
  if (own) out.push(own);
  return out;
}

/**
 * Sends every probe (`concurrency` at a time), checks each answer and returns the summary. The
 * line printed per endpoint is the suite's measurement: requests, statuses, time.
 */
export async function fuzz(endpoint: string, probes: Probe[], concurrency = 6): Promise<Summary> {
  const started = Date.now();
  const summary: Summary = { endpoint, requests: 0, statuses: {}, problems: [], ms: 0 };
  let next = 0;
  const worker = async () => {
    while (next < probes.length) {
      const p = probes[next++]!;
      let res;
      try {
        try {
          res = await send(p);
        } catch (err) {
          // A keep-alive socket the server closed after an earlier request (one whose body it did
          // not read) fails the next request sent on it: that is no answer to this request. Once
          // more on a fresh connection; a second failure is a finding.
          if (!/other side closed|ECONNRESET|EPIPE|socket hang up/.test(String((err as Error).cause ?? err))) throw err;
          res = await send(p);
        }
      } catch (err) {
        // Over 1 MB the server answers 413 before reading the body and closes: the write fails.
        const early = (p.body?.length ?? 0) > 1024 * 1024 && err instanceof Error && /ECONNRESET|EPIPE/.test(String((err.cause as Error | undefined)?.message));
        if (early) {
          summary.requests++;
          summary.statuses[413] = (summary.statuses[413] ?? 0) + 1;
          continue;
        }
        const cause = err instanceof Error && err.cause instanceof Error ? ` ← ${err.cause.message}` : "";
        summary.problems.push(`no answer (${err instanceof Error ? err.message : err}${cause}): ${describe(p)}`);
        continue;
      }
      summary.requests++;
      summary.statuses[res.status] = (summary.statuses[res.status] ?? 0) + 1;
      const problems = problemsOf(p, res);
      if (problems.length && summary.problems.length < 20) {
        summary.problems.push(`${problems.join("; ")} ← ${describe(p)} → ${JSON.stringify(res.body.slice(0, 300))}`);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  summary.ms = Date.now() - started;
  const statuses = Object.entries(summary.statuses)
    .map(([s, n]) => `${s}×${n}`)
    .join(" ");
  console.log(`[fuzz] ${endpoint}: ${summary.requests} requests in ${(summary.ms / 1000).toFixed(1)} s; ${statuses}${summary.problems.length ? `; ${summary.problems.length} PROBLEMS` : ""}`);
  appendReport(summary);
  return summary;
}

function appendReport(s: Summary) {
  const dir = process.env.E2E_RUN_DIR;
  if (dir) fs.appendFileSync(path.join(dir, "fuzz-summary.jsonl"), `${JSON.stringify({ ...s, problems: s.problems.length })}\n`);
}

/** Next's build output: the server-reference manifest (actions) and the app paths (pages, routes). */
export function buildManifest<T>(file: string): T {
  const dist = process.env.NEXT_DIST_DIR ?? ".next-e2e";
  return JSON.parse(fs.readFileSync(path.join(dist, "server", file), "utf8")) as T;
}
