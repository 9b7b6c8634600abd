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

/**
 * Opens the database once at start-up (outside APP_ENV=test) so a moved test clock stops the
 * server with the reason (lib/clock.ts) instead of failing its first request. Not awaited by
 * the caller: a database that is merely unreachable delays nothing, and the first request
 * opens it again.
 */
export async function checkClockOrExit(): Promise<void> {
  if (getEnv().appEnv === "test") return;
  const [{ getHandle }, { ClockMovedError }] = await Promise.all([import("./db"), import("./clock")]);
  try {
    await getHandle();
  } catch (err) {
    if (!(err instanceof ClockMovedError)) return;
    console.error("[mfa-bank] Refusing to start.");
    process.exit(1);
  }
}
