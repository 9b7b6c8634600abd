// Server processes for the bench: `next start` in its own process group (so the group is
// stopped as one, even on failure), and its memory read from /proc.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { SERVER_NODE_FLAGS } from "../lib/server-flags";

export type Server = { child: ChildProcess; pid: number; port: number; log: string; stop: () => Promise<void> };

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Every live process of a process group, from /proc/<pid>/stat (field 5 is the group). */
export function groupPids(pgid: number): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) === pgid) out.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/** VmRSS and VmHWM (peak) of one process, in bytes. */
export function memoryOf(pid: number): { rss: number; hwm: number } | null {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0) * 1024;
    return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
  } catch {
    return null;
  }
}

export async function startServer(opts: { root: string; port: number; env: NodeJS.ProcessEnv; logFile: string; nodeArgs?: string[] }): Promise<Server> {
  const out = fs.openSync(opts.logFile, "w");
  const next = path.join(opts.root, "node_modules", "next", "dist", "bin", "next");
  // The flags `npm start` runs the server with: the bench measures the server a user runs.
  const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, ...(opts.nodeArgs ?? []), next, "start", "-p", String(opts.port), "-H", "127.0.0.1"], {
    cwd: opts.root,
    env: opts.env,
    detached: true, // its own process group: stopped as one
    stdio: ["ignore", out, out],
  });
  fs.closeSync(out);
  const pid = child.pid!;
  let exited = false;
  child.once("exit", () => (exited = true));
  const stop = async () => {
    for (const [signal, waitMs] of [["SIGTERM", 5000], ["SIGKILL", 2000]] as const) {
      try {
        process.kill(-pid, signal);
      } catch {
        // group already gone
      }
      const until = Date.now() + waitMs;
      while (Date.now() < until && groupPids(pid).some(alive)) await new Promise((r) => setTimeout(r, 50));
      if (!groupPids(pid).length) return;
    }
  };
  const server: Server = { child, pid, port: opts.port, log: opts.logFile, stop };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`next start exited early; see ${opts.logFile}`);
    const ready = await fetch(`http://127.0.0.1:${opts.port}/login`).then((r) => r.status === 200, () => false);
    if (ready) return server;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`next start was not ready in 60 s; see ${opts.logFile}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Resident memory of one process split into anonymous (V8's heap, malloc, stacks) and the rest
 * (file-backed: the node binary, native modules; and any shared memory), from one read of
 * /proc/<pid>/smaps_rollup so the parts add up (RSS moves by 19 MiB as an argon2 hash starts or ends).
 */
export function residentKinds(pid: number): { rss: number; anon: number; file: number } | null {
  try {
    const text = fs.readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? 0) * 1024;
    const rss = kb("Rss");
    const anon = kb("Anonymous");
    return { rss, anon, file: rss - anon };
  } catch {
    return null;
  }
}

/**
 * Samples the server group's memory while load runs: peak VmRSS per process and summed, and
 * at the highest RSS sampled, how much of it was anonymous and how much file-backed.
 */
export class RssSampler {
  peakSum = 0;
  peakProcess = 0;
  atPeak: { rss: number; anon: number; file: number } | null = null;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly pgid: number) {}

  start(everyMs = 200) {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
  }

  sample() {
    let sum = 0;
    for (const pid of groupPids(this.pgid)) {
      const m = memoryOf(pid);
      if (!m) continue;
      sum += m.rss;
      this.peakProcess = Math.max(this.peakProcess, m.rss, m.hwm);
      if (m.rss > (this.atPeak?.rss ?? 0)) {
        const kinds = residentKinds(pid);
        if (kinds && kinds.rss > (this.atPeak?.rss ?? 0)) this.atPeak = kinds;
      }
    }
    this.peakSum = Math.max(this.peakSum, sum);
  }

  stop() {
    this.sample();
    clearInterval(this.timer);
  }
}

const TICK_MS = 1000 / 100; // USER_HZ: 100 on Linux

/** CPU time (user + system, all threads) of these processes, in ms. */
export function cpuMsOf(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(f[11]) + Number(f[12]); // fields 14 and 15: utime, stime
    } catch {
      // exited meanwhile
    }
  }
  return ticks * TICK_MS;
}

/** PostgreSQL backends serving one database (their title names it). */
export function backendPids(database: string): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8");
      if (cmd.startsWith("postgres: ") && cmd.includes(` ${database} `)) out.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}
