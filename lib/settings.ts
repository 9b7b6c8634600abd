import "server-only";
import { eq } from "drizzle-orm";
import type { DbOrTx } from "@/lib/db";
import { settings, type Settings } from "@/lib/db/schema";

/** The settings row; created with the bank's defaults by migration/seed, recreated if missing. */
export async function getSettings(db: DbOrTx): Promise<Settings> {
  const [row] = await db.select().from(settings).where(eq(settings.id, 1));
  if (row) return row;
  const [created] = await db.insert(settings).values({ id: 1 }).onConflictDoNothing().returning();
  return created ?? (await db.select().from(settings).where(eq(settings.id, 1)))[0]!;
}
