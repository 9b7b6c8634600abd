import "server-only";
import { assertClockUnmoved } from "@/lib/clock";
import { getEnv } from "@/lib/env";
import { registerDatabaseProbe } from "./availability";
import { openPglite, openPostgres, postgresProbe, type Db, type DbHandle } from "./client";

export type { Db, DbOrTx, Tx } from "./client";
export { fromJsonb, rows } from "./client";

/**
 * The process-wide handle, opened lazily so `next build` never touches a database. Kept on
 * globalThis because Next may evaluate this module once per bundle layer: two PGlite
 * instances on one folder in one process would diverge just like two processes.
 */
const g = globalThis as unknown as { __mfaBankDb?: Promise<DbHandle> };

export function getHandle(): Promise<DbHandle> {
  g.__mfaBankDb ??= (async () => {
    const env = getEnv();
    if (env.databaseUrl) {
      // postgres.js reconnects by itself after a restart: a dead connection fails its query
      // and is replaced on the next one. The probe lets proxy.ts see when the server is back.
      registerDatabaseProbe(postgresProbe(env.databaseUrl));
      return refuseMovedClock(openPostgres(env.databaseUrl, env.databasePoolSize), env.appEnv);
    }
    const handle = openPglite(env.dataDir);
    // Idempotent; normally done by scripts/prepare-db.ts before the server starts.
    await handle.migrate();
    return refuseMovedClock(handle, env.appEnv);
  })().catch((err) => {
    g.__mfaBankDb = undefined;
    throw err;
  });
  return g.__mfaBankDb;
}

/**
 * Once per process, when the database is first opened (not per request): a server that is not
 * a test run never serves from a database whose test clock was moved (lib/clock.ts). Under
 * APP_ENV=test nothing is read.
 */
async function refuseMovedClock(handle: DbHandle, appEnv: ReturnType<typeof getEnv>["appEnv"]): Promise<DbHandle> {
  try {
    await assertClockUnmoved(handle.db, appEnv);
  } catch (err) {
    await handle.close().catch(() => {});
    console.error(`[mfa-bank] ${err instanceof Error ? err.message : String(err)}`);
    throw err;
  }
  return handle;
}

export async function getDb(): Promise<Db> {
  return (await getHandle()).db;
}
