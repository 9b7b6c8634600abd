// `npm run test:faults [-- playwright args]`: the fault suite (e2e/faults/) on a PostgreSQL
// server of its own, which the specs may stop, restart and terminate connections on.
//
//   1. initdb a throwaway cluster into a temp folder (as the `postgres` OS user when run as
//      root: initdb refuses root), start it on a free port, trust auth, local only;
//   2. run scripts/run-e2e.ts with E2E_SUITE=faults and DATABASE_URL on it (same build, same
//      pool, Playwright owns the main `next start`; the specs start, SIGKILL and restart more);
//   3. stop the cluster and delete the folder — pass, fail, Ctrl-C or SIGTERM.
//
// The shared server on 5432 is never touched. Ports: E2E_PORT (app) … +99; the cluster takes
// the top of that range, the chaos provider +60. PG_BIN overrides /usr/lib/postgresql/<newest>/bin.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { childRunner, freePort, seconds } from "./lib/process";
import { isAlive } from "@/lib/process-alive";

const root = process.cwd();
const started = Date.now();
const base = Number(process.env.E2E_PORT ?? 3500);

function log(line: string) {
  console.log(`[faults] ${line}`);
}

function pgBinDir(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const parent = "/usr/lib/postgresql";
  const versions = fs.existsSync(parent)
    ? fs.readdirSync(parent).filter((v) => fs.existsSync(path.join(parent, v, "bin", "initdb"))).sort((a, b) => Number(b) - Number(a))
    : [];
  if (!versions.length) throw new Error(`no PostgreSQL server binaries in ${parent}/<version>/bin (set PG_BIN)`);
  return path.join(parent, versions[0]!, "bin");
}

/** initdb refuses to run as root: then every cluster command runs as the `postgres` OS user. */
const asRoot = process.getuid?.() === 0;
function clusterCommand(bin: string, args: string[]): [string, string[]] {
  return asRoot ? ["runuser", ["-u", "postgres", "--", bin, ...args]] : [bin, args];
}

type Cluster = { dir: string; data: string; port: number; pgCtl: string; opts: string; logFile: string; started: boolean };
let cluster: Cluster | undefined;

const DIR_PREFIX = "mfa-bank-faults-pg-";

/** A runner killed with SIGKILL cannot clean up: the next run stops and removes what it left. */
function removeAbandonedClusters(bin: string) {
  for (const name of fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith(DIR_PREFIX))) {
    const dir = path.join(os.tmpdir(), name);
    const pidFile = path.join(dir, "runner.pid");
    const runner = fs.existsSync(pidFile) ? Number(fs.readFileSync(pidFile, "utf8")) || 0 : 0;
    if (runner && isAlive(runner)) continue; // another run, still going
    if (!runner && Date.now() - fs.statSync(dir).mtimeMs < 60_000) continue; // being created
    if (fs.existsSync(path.join(dir, "data", "postmaster.pid"))) {
      const [cmd, args] = clusterCommand(path.join(bin, "pg_ctl"), ["-D", path.join(dir, "data"), "-m", "immediate", "-w", "-t", "20", "stop"]);
      try {
        execFileSync(cmd, args, { stdio: "ignore" });
      } catch {
        // Not running any more: only the folder is left.
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
    log(`removed a cluster abandoned by process ${runner || "?"} (${dir})`);
  }
}

async function startCluster(): Promise<Cluster> {
  const bin = pgBinDir();
  removeAbandonedClusters(bin);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), DIR_PREFIX));
  fs.writeFileSync(path.join(dir, "runner.pid"), String(process.pid));
  const c: Cluster = {
    dir,
    data: path.join(dir, "data"),
    port: await freePort(base + 90, base + 99),
    pgCtl: path.join(bin, "pg_ctl"),
    opts: "",
    logFile: path.join(dir, "postgres.log"),
    started: false,
  };
  cluster = c;
  if (asRoot) {
    const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
    fs.chownSync(dir, uid, gid);
  }
  // Throwaway data: no fsync (a restart or SIGKILL of the app is what is tested, not the disk).
  c.opts = `-p ${c.port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=100`;
  const [initCmd, initArgs] = clusterCommand(path.join(bin, "initdb"), ["-D", c.data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"]);
  execFileSync(initCmd, initArgs, { stdio: "ignore" });
  const [ctlCmd, ctlArgs] = clusterCommand(c.pgCtl, ["-D", c.data, "-l", c.logFile, "-o", c.opts, "-w", "-t", "30", "start"]);
  execFileSync(ctlCmd, ctlArgs, { stdio: "ignore" });
  c.started = true;
  return c;
}

function stopCluster() {
  const c = cluster;
  if (!c) return;
  cluster = undefined;
  if (c.started || fs.existsSync(path.join(c.data, "postmaster.pid"))) {
    try {
      const [cmd, args] = clusterCommand(c.pgCtl, ["-D", c.data, "-m", "immediate", "-w", "-t", "20", "stop"]);
      execFileSync(cmd, args, { stdio: "ignore" });
    } catch {
      // Already stopped (a spec may have stopped it and failed before starting it again).
    }
  }
  fs.rmSync(c.dir, { recursive: true, force: true });
  log(`stopped and removed the throwaway cluster (${c.dir})`);
}

const { run, current } = childRunner(root);

async function main(): Promise<number> {
  const t = Date.now();
  const c = await startCluster();
  const url = `postgres://postgres@127.0.0.1:${c.port}/mfa_bank_faults`;
  const admin = postgres(`postgres://postgres@127.0.0.1:${c.port}/postgres`, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe("CREATE DATABASE mfa_bank_faults");
  } finally {
    await admin.end({ timeout: 5 });
  }
  log(`throwaway PostgreSQL on 127.0.0.1:${c.port} (${path.dirname(c.pgCtl)}) ready in ${seconds(t)}`);

  const ctl = asRoot ? ["runuser", "-u", "postgres", "--", c.pgCtl] : [c.pgCtl];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: url,
    E2E_SUITE: "faults",
    // The fault specs change shared state (the database itself): one at a time.
    E2E_WORKERS: "1",
    // The fault specs need a handful of users per kind (creating them is argon2 work), twice
    // over: a retried outage test claims six more, and must not leave the next spec none.
    E2E_POOL_PER_KIND: process.env.E2E_POOL_PER_KIND ?? "16",
    E2E_PORT: String(base),
    E2E_INDEPENDENT_PROVIDER_PORT: String(await freePort(base + 60, base + 69)),
    E2E_DIALECT_PROVIDER_PORT: String(await freePort(base + 70, base + 79)),
    // How the specs stop and start this cluster (e2e/faults/cluster.ts).
    FAULTS_PG_CTL: JSON.stringify([...ctl, "-D", c.data, "-l", c.logFile, "-o", c.opts, "-w", "-t", "30"]),
    FAULTS_PG_LOG: c.logFile,
  };
  return run(path.join(root, "node_modules", ".bin", "tsx"), ["--conditions=react-server", "scripts/run-e2e.ts", ...process.argv.slice(2)], env);
}

// Ctrl-C reaches the children too (same process group): let them stop, then clean up. A
// SIGTERM sent to this process alone is passed on.
process.on("SIGINT", () => {});
process.on("SIGTERM", () => current()?.kill("SIGTERM"));
// Whatever happens, the cluster does not outlive this process.
process.on("exit", stopCluster);

let exitCode = 1;
try {
  exitCode = await main();
} catch (err) {
  console.error(`[faults] ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  exitCode = 1;
} finally {
  stopCluster();
  log(`done in ${seconds(started)} (exit ${exitCode})`);
}
process.exit(exitCode);
