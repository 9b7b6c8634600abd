import "server-only";
import { getEnv } from "@/lib/env";
import { registerDatabaseProbe } from "./availability";
import { openPglite, openPostgres, postgresProbe, type Db, type DbHandle } from "./client";

export type { Db, DbOrTx, Tx } from "./client";
export { rows } from "./client";

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
      return openPostgres(env.databaseUrl, env.databasePoolSize);
    }
    const handle = openPglite(env.dataDir);
    // Idempotent; normally done by scripts/prepare-db.ts before the server starts.
    await handle.migrate();
    return handle;
  })().catch((err) => {
    g.__mfaBankDb = undefined;
    throw err;
  });
  return g.__mfaBankDb;
}

export async function getDb(): Promise<Db> {
  return (await getHandle()).db;
}
