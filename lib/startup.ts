import { getEnv } from "./env";

/**
 * Checked once when a server process starts (instrumentation.ts, Node.js runtime only): an
 * environment that cannot run stops the server with the reason, instead of Next logging it and
 * answering every request with a 500. Its own module so the Edge build of instrumentation.ts
 * never sees `process.exit`.
 */
export function checkEnvironmentOrExit(): void {
  try {
    getEnv();
  } catch (err) {
    console.error(`[mfa-bank] ${err instanceof Error ? err.message : String(err)}\n[mfa-bank] Refusing to start.`);
    process.exit(1);
  }
}
