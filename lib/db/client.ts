import fs from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import type { Logger, SQL } from "drizzle-orm";
import type { ExtractTablesWithRelations } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import * as schema from "./schema";
import { isAlive } from "@/lib/process-alive";

/**
 * One database, two drivers: postgres.js when DATABASE_URL is set, PGlite in a data folder
 * otherwise. Both give the same drizzle API; `rows()` evens out the raw-SQL result shape.
 */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
export type Tx = PgTransaction<PgQueryResultHKT, typeof schema, ExtractTablesWithRelations<typeof schema>>;
export type DbOrTx = Db | Tx;

export type DbHandle = {
  db: Db;
  kind: "pglite" | "postgres";
  close: () => Promise<void>;
  migrate: () => Promise<void>;
};

const migrationsFolder = path.join(process.cwd(), "drizzle");

export function openPostgres(url: string, max = 10, logger?: Logger): DbHandle {
  const client = postgres(url, {
    max,
    onnotice: () => {},
    // A dead connection (server restart, pg_terminate_backend) is dropped and replaced.
    idle_timeout: 30,
    connect_timeout: 5,
    // Wait before reconnecting after a failed connection, in seconds. postgres.js's default
    // grows to 20 s and a query waits it out: during an outage every request would hang that
    // long, and after it the pool would come back that late. Capped at 1 s: a query in an
    // outage fails within a second (the user reads "temporarily unavailable"), and the pool is
    // back within a second of the database (docs/ARCHITECTURE.md, Outages).
    backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 1),
  });
  const db = drizzlePostgres(client, { schema, casing: "snake_case", logger });
  return {
    db: db as unknown as Db,
    kind: "postgres",
    close: () => client.end({ timeout: 5 }),
    migrate: () => migratePostgres(db, { migrationsFolder }),
  };
}

/**
 * Asks the server whether it answers, on a connection of its own: the app's pool may be busy
 * (or waiting out a reconnect), and a saturated pool is not an outage. Used by proxy.ts only
 * while an outage is remembered; the connection closes after 5 idle seconds.
 */
export function postgresProbe(url: string): () => Promise<void> {
  let client: postgres.Sql | undefined;
  return async () => {
    client ??= postgres(url, { max: 1, onnotice: () => {}, idle_timeout: 5, connect_timeout: 3, backoff: () => 0.1 });
    await client`SELECT 1`;
  };
}

/** dir undefined → in memory (unit and integration tests). */
export function openPglite(dir?: string, logger?: Logger): DbHandle {
  let release = () => {};
  if (dir) {
    fs.mkdirSync(dir, { recursive: true });
    release = lockDataDir(dir);
  }
  const client = dir ? new PGlite(path.join(dir, "pgdata")) : new PGlite();
  const db = drizzlePglite(client, { schema, casing: "snake_case", logger });
  return {
    db: db as unknown as Db,
    kind: "pglite",
    close: async () => {
      await client.close();
      release();
    },
    migrate: () => migratePglite(db, { migrationsFolder }),
  };
}

/**
 * Two processes on one PGlite folder do not fail — they silently diverge, and the last to
 * exit overwrites the other's writes. So the folder belongs to one process at a time: a
 * second one stops with a message saying what to do. A lock left by a dead process is taken over.
 */
function lockDataDir(dir: string): () => void {
  const lock = path.join(dir, "pglite.lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: "wx" });
      const release = () => {
        try {
          if (fs.readFileSync(lock, "utf8") === String(process.pid)) fs.unlinkSync(lock);
        } catch {}
      };
      process.once("exit", release);
      return release;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const holder = Number(fs.readFileSync(lock, "utf8"));
      if (holder === process.pid) return () => {};
      if (holder && isAlive(holder)) {
        throw new EmbeddedDbBusyError(dir, holder);
      }
      fs.rmSync(lock, { force: true }); // stale: its process is gone
    }
  }
  throw new Error(`Could not lock the embedded database folder ${dir}`);
}

export class EmbeddedDbBusyError extends Error {
  constructor(dir: string, pid: number) {
    super(
      `The embedded database in ${dir} is in use by process ${pid} (probably the app: npm run dev / npm start). ` +
        "PGlite allows one process per folder. Stop that process first, or use a PostgreSQL server " +
        "(DATABASE_URL=postgres://...), where any number of processes may connect.",
    );
    this.name = "EmbeddedDbBusyError";
  }
}

/** Rows of a raw statement, whichever driver ran it. */
export async function rows<T>(db: DbOrTx, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown;
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}

/** A jsonb value of a raw statement, whichever driver ran it: postgres.js parses it, some paths hand back its text. */
export function fromJsonb<T = unknown>(value: unknown): T {
  return (typeof value === "string" ? JSON.parse(value) : value) as T;
}
