// Runs before `next dev` / `next start`: migrate, seed demo data, and make sure local secrets
// exist — so the server never has to, and no second process touches the PGlite folder later.
import { seed } from "@/lib/db/seed";
import { describe, withDb } from "./db";

await withDb(async (h) => {
  console.log(`[db] using ${describe(h)}`);
  await h.migrate();
  await seed(h.db);
});
