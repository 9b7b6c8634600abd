import { execFile } from "node:child_process";
import postgres from "postgres";

/**
 * The throwaway PostgreSQL cluster scripts/run-faults.ts started for the fault suite: stop,
 * start, terminate connections — and a small client of the test's own for checks.
 * App servers the specs own (start, SIGKILL, restart) are e2e/app-server.ts.
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
