// Drops everything and starts again from the migrations and the seed. Local data only.
import { sql } from "drizzle-orm";
import { seed } from "@/lib/db/seed";
import { getEnv } from "@/lib/env";
import { describe, withDb } from "./db";

if (getEnv().appEnv === "production") {
  console.error("[db] refusing to reset a database with APP_ENV=production");
  process.exit(1);
}

await withDb(async (h) => {
  await h.db.execute(sql`DROP SCHEMA IF EXISTS public CASCADE`);
  await h.db.execute(sql`DROP SCHEMA IF EXISTS drizzle CASCADE`);
  await h.db.execute(sql`CREATE SCHEMA public`);
  await h.migrate();
  await seed(h.db);
  console.log(`[db] reset ${describe(h)}`);
});
