import { openPglite, openPostgres, type DbHandle } from "@/lib/db/client";
import { getEnv } from "@/lib/env";

/** The database the app would use, opened for a command-line script. */
export function openFromEnv(): DbHandle {
  const env = getEnv();
  return env.databaseUrl ? openPostgres(env.databaseUrl, 2) : openPglite(env.dataDir);
}

export function describe(h: DbHandle): string {
  return h.kind === "postgres" ? "PostgreSQL (DATABASE_URL)" : `embedded PGlite in ${getEnv().dataDir}`;
}

/** Runs a script body with the database open; clear message and exit code 1 on failure. */
export async function withDb(body: (h: DbHandle) => Promise<void>): Promise<void> {
  let handle: DbHandle | undefined;
  try {
    handle = openFromEnv();
    await body(handle);
  } catch (err) {
    console.error(`[db] ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  } finally {
    await handle?.close().catch(() => {});
  }
}
