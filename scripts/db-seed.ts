import { seed } from "@/lib/db/seed";
import { describe, withDb } from "./db";

await withDb(async (h) => {
  console.log(`[db] seeding ${describe(h)}`);
  await h.migrate();
  await seed(h.db);
});
