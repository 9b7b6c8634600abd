import type { Db } from "../lib/db/client";
import type { PoolUser } from "../lib/db/test-pool";

/**
 * An extra e2e suite (e2e/<name>/, run with E2E_SUITE=<name>) may export these from
 * e2e/<name>/hooks.ts. scripts/run-e2e.ts calls them while no server holds the database:
 * `beforeTests` after the build and the pool are ready, just before Playwright starts the
 * server; `afterTests` after Playwright (and so the server) stopped. A throw fails the run.
 */
export type SuiteHookContext = {
  db: Db;
  pool: PoolUser[];
  /** The run's folder (deleted at the end unless E2E_KEEP=1): hand files to the specs here. */
  runDir: string;
};

export type SuiteHooks = {
  beforeTests?: (ctx: SuiteHookContext) => Promise<void>;
  afterTests?: (ctx: SuiteHookContext) => Promise<void>;
};
