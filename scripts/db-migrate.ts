import { describe, withDb } from "./db";

await withDb(async (h) => {
  await h.migrate();
  console.log(`[db] migrations applied to ${describe(h)}`);
});
