// `npm run demo [-- --port N]`: the app as a demo should see it — a production build
// (reused while the sources are unchanged, like the bench's and the e2e runner's), the database
// migrated and seeded, then `next start`, with every page warmed so no first visit waits.
//
//   no DATABASE_URL → the embedded PGlite in .data/ (the same folder as `npm run dev`; one
//                     process at a time, so stop the demo before `npm run demo:reset`)
//   DATABASE_URL    → that database
//
// DEMO_FORCE_BUILD=1 always builds.
import fs from "node:fs";
import path from "node:path";
import { isBuildCurrent, keepingBuildRewrites, sourceHash } from "./lib/build-cache";
import { childRunner } from "./lib/process";
import { SERVER_NODE_FLAGS } from "./lib/server-flags";

const root = process.cwd();
const DIST_DIR = ".next-demo";
const STAMP = "demo-source-hash";
const started = Date.now();

function log(line: string) {
  console.log(`[demo] ${line}`);
}

function portFromArgs(): number {
  const args = process.argv.slice(2);
  const i = args.findIndex((a) => a === "--port" || a === "-p" || a.startsWith("--port="));
  const raw = i < 0 ? (process.env.PORT ?? "3000") : args[i]!.includes("=") ? args[i]!.split("=")[1]! : args[i + 1];
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    console.error(`[demo] --port must be a port number (1–65535), not "${raw}". Example: npm run demo -- --port 3150`);
    process.exit(1);
  }
  return port;
}

const runner = childRunner(root);
const nextBin = path.join(root, "node_modules", "next", "dist", "bin", "next");
const run = (args: string[], env: NodeJS.ProcessEnv, nodeFlags: readonly string[] = []) => runner.run(process.execPath, [...nodeFlags, nextBin, ...args], env);

async function build(env: NodeJS.ProcessEnv): Promise<boolean> {
  const hash = sourceHash(root);
  if (process.env.DEMO_FORCE_BUILD !== "1" && isBuildCurrent(root, DIST_DIR, STAMP, hash)) {
    log(`${DIST_DIR} is up to date with the sources: no build`);
    return true;
  }
  const t = Date.now();
  log(`production build → ${DIST_DIR} (once; later starts reuse it until the code changes)`);
  fs.rmSync(path.join(root, DIST_DIR, STAMP), { force: true });
  const code = await keepingBuildRewrites(root, () => run(["build"], env));
  if (code !== 0) {
    console.error(`[demo] next build failed (exit ${code}): see the output above.`);
    return false;
  }
  fs.writeFileSync(path.join(root, DIST_DIR, STAMP), hash);
  log(`built in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  return true;
}

async function prepareDatabase(): Promise<boolean> {
  // Imported here, after process.env is final: lib/env.ts reads it once.
  const { seed } = await import("@/lib/db/seed");
  const { describe, withDb } = await import("./db");
  await withDb(async (h) => {
    log(`database: ${describe(h)}`);
    await h.migrate();
    await seed(h.db);
  });
  return !process.exitCode;
}

/**
 * Every page and the in-app provider's routes, requested once before anyone clicks: a
 * production server still loads each route's code on its first request. Signed-out requests
 * to signed-in pages are redirected before their code loads, so those are the few that stay.
 */
const WARM = [
  "/login",
  "/forgot-password",
  "/mfa",
  "/accounts",
  "/transfer",
  "/payees",
  "/security",
  "/admin",
  "/mock-provider/device",
  "/mock-provider/mailbox",
  "/mock-provider/api/v1/enrollments",
];

async function waitAndWarm(base: string): Promise<boolean> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      const res = await fetch(`${base}/login`, { redirect: "manual", signal: AbortSignal.timeout(10_000) });
      if (res.status === 200) break;
    } catch {}
    if (Date.now() > deadline || runner.current()?.exitCode != null) return false;
    await new Promise((r) => setTimeout(r, 250));
  }
  for (const route of WARM) {
    await fetch(`${base}${route}`, { redirect: "manual", signal: AbortSignal.timeout(30_000) }).then((r) => r.arrayBuffer()).catch(() => {});
  }
  return true;
}

async function main(): Promise<number> {
  const port = portFromArgs();
  const base = `http://localhost:${port}`;
  Object.assign(process.env, { NEXT_DIST_DIR: DIST_DIR, NEXT_TELEMETRY_DISABLED: "1", PORT: String(port) });
  const env = { ...process.env };
  if (!(await build(env))) return 1;
  if (!(await prepareDatabase())) return 1;
  log(`starting the server on ${base} …`);
  // The Node flags `npm start` uses (scripts/lib/server-flags.ts): the demo is the production server.
  const server = run(["start", "--port", String(port)], env, SERVER_NODE_FLAGS);
  const warmed = waitAndWarm(base).then((ok) => {
    if (!ok) return;
    log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s: ${base}/login`);
    log(`the demo phone (push, SMS and e-mail codes, authenticator app): ${base}/mock-provider/device`);
    log(`the demo mailbox: ${base}/mock-provider/mailbox · put the demo data back: stop this (Ctrl-C), then npm run demo:reset`);
  });
  const code = await server;
  await warmed;
  return code;
}

// Ctrl-C reaches the server too (same process group); a SIGTERM to this process alone is passed on.
process.on("SIGINT", () => {});
process.on("SIGTERM", () => runner.current()?.kill("SIGTERM"));

process.exit(await main());
