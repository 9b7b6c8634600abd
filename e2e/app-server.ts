import { spawn, type ChildProcess } from "node:child_process";
import { expect } from "./fixtures";

/** App servers a spec owns beside the suite's own: the fault specs and e2e/trusted-proxy.spec.ts. */

import { freePort } from "../scripts/lib/process";

export { freePort };

/**
 * A `next start` of the same build in its own process group, so SIGKILL takes the whole
 * server (next start may fork) and nothing is orphaned.
 */
export class AppServer {
  private child: ChildProcess | undefined;
  /** `env`: variables over the suite's own (e.g. another TRUSTED_PROXY_HOPS, its own DATA_DIR). */
  constructor(
    readonly port: number,
    private readonly opts: { env?: Record<string, string>; startTimeoutMs?: number } = {},
  ) {}

  /** The same host name as the main server (localhost): a cookie from one is sent to the other. */
  get url() {
    return `http://localhost:${this.port}`;
  }

  async start(): Promise<void> {
    this.child = spawn("node_modules/.bin/next", ["start", "--hostname", "127.0.0.1", "--port", String(this.port)], {
      env: { ...process.env, NEXT_DIST_DIR: process.env.NEXT_DIST_DIR ?? ".next-e2e", NEXT_TELEMETRY_DISABLED: "1", ...this.opts.env },
      stdio: "ignore",
      detached: true,
    });
    await expect(async () => {
      const res = await fetch(`${this.url}/login`);
      expect(res.status).toBe(200);
    }).toPass({ timeout: this.opts.startTimeoutMs ?? 60_000, intervals: [250] });
  }

  /** SIGKILL to the process group: no graceful anything, like a crashed machine's process. */
  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child?.pid || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    try {
      process.kill(-child.pid, signal);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
    }
    await exited;
    // The port is free again once the group is gone.
    await expect(async () => expect(await freePort(this.port, this.port)).toBe(this.port)).toPass({ timeout: 10_000 });
  }
}
