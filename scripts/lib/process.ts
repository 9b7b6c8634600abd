// Process and port helpers shared by the scripts (run-e2e, run-faults, demo, bench) and by the
// e2e specs that start servers of their own (e2e/app-server.ts).
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";

/** The first port in from–to (inclusive) that 127.0.0.1 can listen on, skipping `avoid`. */
export async function freePort(from: number, to = from + 99, avoid: readonly number[] = []): Promise<number> {
  for (let port = from; port <= to; port++) {
    if (avoid.includes(port)) continue;
    const ok = await new Promise<boolean>((resolve) => {
      const srv = net.createServer();
      srv.once("error", () => resolve(false));
      srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
    });
    if (ok) return port;
  }
  throw new Error(`no free port in ${from}–${to}`);
}

/** "12.3 s" since a Date.now(). */
export function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

/**
 * Runs a command with its output shown and resolves to its exit code (1 when killed by a
 * signal). `current()` is the last child started (its exitCode says whether it still runs), so a
 * script can pass SIGTERM on to it or notice that a server it started has died.
 */
export function childRunner(cwd: string) {
  let child: ChildProcess | undefined;
  return {
    current: () => child,
    run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
      return new Promise((resolve, reject) => {
        const c = spawn(command, args, { stdio: "inherit", env, cwd });
        child = c;
        c.once("error", reject);
        c.once("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
      });
    },
  };
}
