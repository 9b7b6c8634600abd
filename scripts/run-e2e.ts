// `npm run test:e2e [-- playwright args]`: build, prepare a database with a user pool, run
// Playwright against `next start` (Playwright's webServer owns the server process).
//
//   no DATABASE_URL → a fresh PGlite folder .data-e2e-<run>/db, deleted at the end
//   DATABASE_URL    → that database as given (migrated, seeded, pool users added)
//
// The build is skipped when .next-e2e was built from the same sources (a content hash), so
// `npm test` then `npm run test:pg` build once. E2E_FORCE_BUILD=1 always builds;
// E2E_KEEP=1 keeps the run folder; E2E_POOL_PER_KIND sets the pool size (default 60).
// E2E_SUITE=<name> runs the extra suite in e2e/<name>/ instead of the default specs
// (playwright.config.ts), with the hooks of e2e/<name>/hooks.ts if it has them (e2e/suite-hooks.ts).
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { SuiteHookContext, SuiteHooks } from "../e2e/suite-hooks";
import { isBuildCurrent, keepingBuildRewrites, sourceHash } from "./lib/build-cache";
import { childRunner, freePort, seconds } from "./lib/process";
import { findBrowserHere } from "./find-browser";

const root = process.cwd();
const started = Date.now();
const runId = started.toString(36);
const runDir = path.join(root, `.data-e2e-${runId}`);
const usePostgres = Boolean(process.env.DATABASE_URL);
const DIST_DIR = ".next-e2e";
const POOL_PER_KIND = Number(process.env.E2E_POOL_PER_KIND ?? 60);
const SUITE = process.env.E2E_SUITE;

function log(line: string) {
  console.log(`[e2e] ${line}`);
}

const { run, current } = childRunner(root);

const bin = (name: string) => path.join(root, "node_modules", ".bin", name);

async function buildApp(env: NodeJS.ProcessEnv): Promise<number> {
  return keepingBuildRewrites(root, () => run(bin("next"), ["build"], env));
}

/**
 * One e2e run at a time per checkout: they share the .next-e2e build, which `next start`
 * reads during the tests. A second run waits; a lock left by a dead process is taken over.
 */
async function lockBuildDir(): Promise<void> {
  const dir = path.join(root, `${DIST_DIR}-lock`);
  const pidFile = path.join(dir, "pid");
  let announced = false;
  for (;;) {
    try {
      fs.mkdirSync(dir);
      fs.writeFileSync(pidFile, String(process.pid));
      process.once("exit", () => {
        try {
          if (fs.readFileSync(pidFile, "utf8") === String(process.pid)) fs.rmSync(dir, { recursive: true, force: true });
        } catch {}
      });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    let holder = 0;
    try {
      holder = Number(fs.readFileSync(pidFile, "utf8"));
    } catch {}
    const alive = holder > 0 && (() => {
      try {
        process.kill(holder, 0);
        return true;
      } catch (err) {
        return (err as NodeJS.ErrnoException).code === "EPERM";
      }
    })();
    const stat = fs.statSync(dir, { throwIfNoEntry: false });
    if (!stat) continue; // released meanwhile
    // No pid yet: the holder may be between mkdir and write; only an old one is stale.
    if (!alive && (holder > 0 || Date.now() - stat.mtimeMs > 10_000)) {
      fs.rmSync(dir, { recursive: true, force: true }); // stale
      continue;
    }
    if (!announced) log(`waiting for another e2e run (pid ${holder || "?"}) to finish with ${DIST_DIR}…`);
    announced = true;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** Opens the run's database (PGlite or DATABASE_URL) for `fn`, and closes it again. */
async function withDatabase<T>(fn: (db: SuiteHookContext["db"]) => Promise<T>): Promise<T> {
  // Imported here, after process.env is final: lib/env.ts reads it once.
  const { openPglite, openPostgres } = await import("@/lib/db/client");
  const { getEnv } = await import("@/lib/env");
  const env = getEnv();
  const handle = env.databaseUrl ? openPostgres(env.databaseUrl, 2) : openPglite(env.dataDir);
  try {
    await handle.migrate();
    return await fn(handle.db);
  } finally {
    // Closing releases the PGlite folder for the server.
    await handle.close();
  }
}

async function prepareDatabase(poolFile: string): Promise<void> {
  const { seed } = await import("@/lib/db/seed");
  const { createUserPool } = await import("@/lib/db/test-pool");
  await withDatabase(async (db) => {
    await seed(db, () => {});
    const pool = await createUserPool(db, { runId, perKind: POOL_PER_KIND });
    fs.writeFileSync(poolFile, JSON.stringify({ runId, users: pool }, null, 2), { mode: 0o600 });
  });
}

async function suiteHooks(): Promise<SuiteHooks> {
  if (!SUITE) return {};
  if (!/^[a-z0-9-]+$/.test(SUITE) || !fs.existsSync(path.join(root, "e2e", SUITE))) throw new Error(`E2E_SUITE: no folder e2e/${SUITE}`);
  const file = path.join(root, "e2e", SUITE, "hooks.ts");
  return fs.existsSync(file) ? ((await import(pathToFileURL(file).href)) as SuiteHooks) : {};
}

async function runHook(name: keyof SuiteHooks, hook: SuiteHooks[keyof SuiteHooks], poolFile: string): Promise<void> {
  if (!hook) return;
  const t = Date.now();
  const { users } = JSON.parse(fs.readFileSync(poolFile, "utf8")) as { users: SuiteHookContext["pool"] };
  await withDatabase((db) => hook({ db, pool: users, runDir }));
  log(`${SUITE} ${name} done in ${seconds(t)}`);
}

async function main(): Promise<number> {
  // Before the build: a machine without a browser learns it now, not after minutes of building.
  const browser = process.env.E2E_BROWSER ? { ok: true as const, executablePath: process.env.E2E_BROWSER, source: "E2E_BROWSER" } : await findBrowserHere(log);
  if (!browser.ok) {
    console.error(`[e2e] ${browser.message}`);
    return 1;
  }
  log(`browser: ${browser.executablePath} (${browser.source})`);
  await lockBuildDir();
  const port = await freePort(Number(process.env.E2E_PORT ?? 3210));
  // e2e/external-independent-provider.spec.ts serves a second MFA provider of its own here.
  // A runner may choose it (scripts/run-faults.ts keeps every port in its own range).
  const providerPort = process.env.E2E_INDEPENDENT_PROVIDER_PORT ? Number(process.env.E2E_INDEPENDENT_PROVIDER_PORT) : await freePort(port + 1000);
  // e2e/external-dialect.spec.ts serves a provider that speaks another dialect here.
  const dialectPort = process.env.E2E_DIALECT_PROVIDER_PORT ? Number(process.env.E2E_DIALECT_PROVIDER_PORT) : await freePort(providerPort + 1);
  // e2e/external-redirect.spec.ts serves a redirect-based provider of its own here.
  // Each from past the one before: freePort only says a port is free now, so two searches that
  // start at the same number would hand out the same port (the dialect and redirect specs once
  // both listened on port + 1001, and collided when they ran at the same time).
  const redirectProviderPort = process.env.E2E_REDIRECT_PROVIDER_PORT ? Number(process.env.E2E_REDIRECT_PROVIDER_PORT) : await freePort(Math.max(providerPort, dialectPort) + 1);
  fs.mkdirSync(path.join(runDir, "claims"), { recursive: true });
  const poolFile = path.join(runDir, "pool.json");
  Object.assign(process.env, {
    APP_ENV: "test",
    APP_URL: `http://localhost:${port}`, // the browser's origin: passkeys bind to its host name
    // Fresh per run unless given: the pool's factor secrets are sealed with this key.
    AUTH_SECRET: process.env.AUTH_SECRET || randomBytes(32).toString("base64"),
    MFA_ENCRYPTION_KEY: process.env.MFA_ENCRYPTION_KEY || randomBytes(32).toString("base64"),
    NEXT_DIST_DIR: DIST_DIR,
    NEXT_TELEMETRY_DISABLED: "1",
    // Each test is its own client through X-Forwarded-For (e2e/fixtures.ts clientAddress), as
    // if one reverse proxy stood in front of the server: the app believes exactly that one
    // entry. e2e/trusted-proxy.spec.ts starts servers of its own with 0 (the default) and 1.
    TRUSTED_PROXY_HOPS: "1",
    E2E_PORT: String(port),
    E2E_INDEPENDENT_PROVIDER_PORT: String(providerPort),
    E2E_DIALECT_PROVIDER_PORT: String(dialectPort),
    E2E_REDIRECT_PROVIDER_PORT: String(redirectProviderPort),
    E2E_BROWSER: browser.executablePath, // playwright.config.ts
    E2E_RUN_DIR: runDir,
    E2E_POOL_FILE: poolFile,
    ...(usePostgres ? {} : { DATA_DIR: path.join(runDir, "db") }),
  });
  const env = { ...process.env };
  const hooks = await suiteHooks();
  log(`${SUITE ? `suite e2e/${SUITE}; ` : ""}database: ${usePostgres ? "PostgreSQL (DATABASE_URL)" : `PGlite in ${path.relative(root, env.DATA_DIR!)}`}; port ${port}`);

  // The build and the database preparation are independent: run them side by side.
  const stamp = path.join(root, DIST_DIR, "e2e-source-hash");
  const hash = sourceHash(root);
  const upToDate = process.env.E2E_FORCE_BUILD !== "1" && isBuildCurrent(root, DIST_DIR, "e2e-source-hash", hash);
  const build = (async () => {
    if (upToDate) {
      log(`${DIST_DIR} is up to date with the sources: no build`);
      return 0;
    }
    const t = Date.now();
    log(`next build → ${DIST_DIR}`);
    fs.rmSync(stamp, { force: true });
    const code = await buildApp(env);
    if (code === 0) {
      fs.writeFileSync(stamp, hash);
      log(`built in ${seconds(t)}`);
    } else {
      console.error(`[e2e] next build failed (exit ${code})`);
    }
    return code;
  })();
  const prepare = (async () => {
    const t = Date.now();
    await prepareDatabase(poolFile);
    log(`migrated, seeded and created ${POOL_PER_KIND} pool users per kind in ${seconds(t)}`);
  })();
  const [built, prepared] = await Promise.allSettled([build, prepare]);
  if (prepared.status === "rejected") throw prepared.reason;
  if (built.status === "rejected") throw built.reason;
  if (built.value !== 0) return built.value;

  await runHook("beforeTests", hooks.beforeTests, poolFile);
  const args = process.argv.slice(2);
  log(`playwright test ${args.join(" ")}`.trimEnd());
  const code = await run(bin("playwright"), ["test", ...args], env);
  // Even after failed tests: the hook's own findings (e.g. a database check) are worth seeing.
  await runHook("afterTests", hooks.afterTests, poolFile);
  return code;
}

// Ctrl-C reaches the child too (same process group): let it stop, then clean up. A SIGTERM
// sent to this process alone is passed on (Playwright then stops its web server).
process.on("SIGINT", () => {});
process.on("SIGTERM", () => current()?.kill("SIGTERM"));

let exitCode = 1;
try {
  exitCode = await main();
} catch (err) {
  console.error(`[e2e] ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  exitCode = 1;
} finally {
  if (process.env.E2E_KEEP === "1") log(`kept ${path.relative(root, runDir)}`);
  else fs.rmSync(runDir, { recursive: true, force: true });
  log(`done in ${seconds(started)} (exit ${exitCode})`);
}
process.exit(exitCode);
