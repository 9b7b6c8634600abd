import "server-only";
import { sql } from "drizzle-orm";
import { rows, type DbOrTx } from "@/lib/db";

/**
 * Fixed-window throttle in the database (so every instance shares it): counts this hit and
 * says whether it is within `limit` per `windowSeconds`. One atomic upsert; old windows are
 * pruned now and then.
 */
export async function hit(db: DbOrTx, key: string, limit: number, windowSeconds: number): Promise<boolean> {
  const [r] = await rows<{ hits: number }>(
    db,
    sql`INSERT INTO rate_limits (key, window_start, hits)
        VALUES (${key}, to_timestamp(floor(extract(epoch FROM app_clock_timestamp()) / ${windowSeconds}) * ${windowSeconds}), 1)
        ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_limits.hits + 1
        RETURNING hits`,
  );
  if (Math.random() < 0.01) {
    await db.execute(sql`DELETE FROM rate_limits WHERE window_start < app_now() - interval '1 day'`);
  }
  return Number(r?.hits ?? 0) <= limit;
}
