import "server-only";
import { and, eq, gt, sql, type SQL } from "drizzle-orm";
import { fromJsonb, rows, type DbOrTx } from "@/lib/db";
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
  // One round trip: the open challenge if there is one, else a new one.
  const [row] = await rows<Record<string, unknown>>(
    db,
    sql`WITH existing AS (
          SELECT * FROM challenges
           WHERE session_id = ${c.sessionId} AND purpose = ${c.purpose} AND status = 'open' AND expires_at > app_now()
             AND context->>'key' IS NOT DISTINCT FROM ${c.key ?? null}
           ORDER BY created_at DESC LIMIT 1
        ), created AS (
          INSERT INTO challenges (session_id, user_id, purpose, context, expires_at)
          SELECT ${c.sessionId}, ${c.userId}, ${c.purpose}, ${JSON.stringify(context)}::jsonb,
                 app_now() + ${CHALLENGE_MINUTES}::int * interval '1 minute'
           WHERE NOT EXISTS (SELECT 1 FROM existing)
          RETURNING *
        )
        SELECT * FROM existing UNION ALL SELECT * FROM created`,
  );
  return toChallenge(row!);
}

/** A raw `challenges` row (snake_case, text timestamps on some drivers; or its to_jsonb) as drizzle's row type. */
export function toChallenge(r: Record<string, unknown>): Challenge {
  const date = (v: unknown) => (v == null ? null : new Date(v as string));
  const context = typeof r.context === "string" ? (JSON.parse(r.context) as Record<string, unknown>) : (r.context as Record<string, unknown>);
  return {
    id: r.id as string,
    sessionId: r.session_id as string,
    userId: r.user_id as string,
    purpose: r.purpose as Challenge["purpose"],
    status: r.status as Challenge["status"],
    factor: (r.factor as string | null) ?? null,
    context,
    createdAt: date(r.created_at)!,
    expiresAt: date(r.expires_at)!,
    passedAt: date(r.passed_at),
    consumedAt: date(r.consumed_at),
  };
}

/** A challenge row as `to_jsonb` returns it — an object, or its text on drivers that do not parse jsonb — or null. */
export function challengeFromJsonb(value: unknown): Challenge | null {
  if (value == null) return null;
  return toChallenge(fromJsonb<Record<string, unknown>>(value));
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
        gt(challenges.expiresAt, sql`app_now()`),
      ),
    );
  return row ?? null;
}

/**
 * The consuming UPDATE: it returns the row when it flipped an open challenge, nothing otherwise.
 * `when`: a condition on the statement's other parts (an MFA answer's gate: only a counted pass consumes).
 */
export function consumeChallengeSql(id: string, factor: string, when?: SQL): SQL {
  return sql`UPDATE challenges SET status = 'consumed', factor = ${factor}, passed_at = app_now(), consumed_at = app_now()
              WHERE id = ${id} AND status = 'open' AND expires_at > app_now()${when ? sql` AND ${when}` : sql``} RETURNING id`;
}

/** Closes a step-up challenge of this session that is still open; true when this call closed it. */
export async function cancelStepUpChallenge(tx: DbOrTx, id: string, sessionId: string): Promise<boolean> {
  const closed = await rows<{ id: string }>(
    tx,
    sql`UPDATE challenges SET status = 'canceled' WHERE id = ${id} AND session_id = ${sessionId}
           AND purpose = 'step_up' AND status = 'open' RETURNING id`,
  );
  return closed.length === 1;
}

/** Consumes once: of any number of racing requests, exactly one flips the status. */
export async function consumeChallenge(tx: DbOrTx, id: string, factor: string): Promise<boolean> {
  return (await rows<{ id: string }>(tx, consumeChallengeSql(id, factor))).length === 1;
}

/**
 * A passed challenge still to consume, handed to the success's own write: a statement that can
 * carry it (lib/auth/sessions.ts `startSession`) consumes it there, makes its own writes
 * depend on it, throws `ChallengeGone` when it was not open any more, and sets `done`;
 * otherwise the answer consumes it in a statement of its own (lib/mfa/verify.ts), as it does
 * first for every answer but a sign-in's (`done` is then already set).
 */
export type PendingConsume = { id: string; factor: string; done: boolean };
