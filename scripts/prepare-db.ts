// Runs before `next dev` / `next start`: migrate, seed demo data, and make sure local secrets
// exist — so the server never has to, and no second process touches the PGlite folder later.
import { assertClockUnmoved } from "@/lib/clock";
import { seed } from "@/lib/db/seed";
import { getEnv } from "@/lib/env";
import { describe, withDb } from "./db";

await withDb(async (h) => {
  console.log(`[db] using ${describe(h)}`);
  await h.migrate();
  // A database a test run moved the clock of does not start anything else (lib/clock.ts).
  await assertClockUnmoved(h.db, getEnv().appEnv);
  await seed(h.db);
});
