import "server-only";
import { and, eq } from "drizzle-orm";
import type { DbOrTx } from "@/lib/db";
import { factors } from "@/lib/db/schema";

/** "Has MFA" = at least one active primary factor (recovery codes only back one up). */
export async function hasPrimaryFactor(db: DbOrTx, userId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: factors.id })
    .from(factors)
    .where(and(eq(factors.userId, userId), eq(factors.status, "active")))
    .limit(1);
  return !!row;
}
