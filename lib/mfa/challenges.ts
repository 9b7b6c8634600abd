import "server-only";
import { and, desc, eq, gt, sql } from "drizzle-orm";
import { rows, type DbOrTx } from "@/lib/db";
import { challenges, type Challenge } from "@/lib/db/schema";

export const CHALLENGE_MINUTES = 10;

/** Thrown inside an attempt when its challenge was consumed meanwhile: rolls back, counts nothing. */
export class ChallengeGone extends Error {}
export type Purpose = Challenge["purpose"];

/**
 * A challenge belongs to one session and one purpose: passing a sign-in challenge can never
 * be presented as a password-reset or step-up one. Reuses the session's open challenge of the
 * same purpose (and same context key, e.g. the exact transfer) so reloads do not multiply rows.
 */
export async function openChallenge(
  db: DbOrTx,
  c: { sessionId: string; userId: string; purpose: Purpose; context?: Record<string, unknown>; key?: string },
): Promise<Challenge> {
  const context = { ...(c.context ?? {}), key: c.key ?? null };
  const [existing] = await db
    .select()
    .from(challenges)
    .where(
      and(
        eq(challenges.sessionId, c.sessionId),
        eq(challenges.purpose, c.purpose),
        eq(challenges.status, "open"),
        gt(challenges.expiresAt, sql`now()`),
        sql`${challenges.context}->>'key' IS NOT DISTINCT FROM ${c.key ?? null}`,
      ),
    )
    .orderBy(desc(challenges.createdAt))
    .limit(1);
  if (existing) return existing;
  const [created] = await db
    .insert(challenges)
    .values({
      sessionId: c.sessionId,
      userId: c.userId,
      purpose: c.purpose,
      context,
      expiresAt: sql`now() + ${CHALLENGE_MINUTES}::int * interval '1 minute'`,
    })
    .returning();
  return created!;
}

export async function findOpenChallenge(db: DbOrTx, id: string, sessionId: string, purpose: Purpose): Promise<Challenge | null> {
  const [row] = await db
    .select()
    .from(challenges)
    .where(
      and(
        eq(challenges.id, id),
        eq(challenges.sessionId, sessionId),
        eq(challenges.purpose, purpose),
        eq(challenges.status, "open"),
        gt(challenges.expiresAt, sql`now()`),
      ),
    );
  return row ?? null;
}

/** Consumes once: of any number of racing requests, exactly one flips the status. */
export async function consumeChallenge(tx: DbOrTx, id: string, factor: string): Promise<boolean> {
  const r = await rows<{ id: string }>(
    tx,
    sql`UPDATE challenges SET status = 'consumed', factor = ${factor}, passed_at = now(), consumed_at = now()
         WHERE id = ${id} AND status = 'open' AND expires_at > now() RETURNING id`,
  );
  return r.length === 1;
}
