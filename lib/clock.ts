import "server-only";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { rows, type DbOrTx } from "@/lib/db/client";
import type { Env } from "@/lib/env";

/**
 * The test clock: one clock for every time decision, which a test run can move forward.
 *
 * Every decision is made in SQL — TOTP steps (the database's epoch, lib/mfa/lockout.ts and
 * lib/mfa/factors/totp.ts), backoff and lock durations, challenge, link and session expiry, idle
 * and lifetime, throttle windows, record stamps (column defaults) — and reads app_now() (like
 * now(): the transaction's time) or app_clock_timestamp() (like clock_timestamp(): the
 * statement's moment). Both are the real clock plus `test_clock.offset_ms` (drizzle/0009).
 * So there is nothing for the app process to agree with, and nothing costs an extra query:
 * the offset is read inside the statement that needed the time anyway.
 *
 * The clock moves only forward (time that passed cannot un-pass: a TOTP step once used stays
 * used), only through /api/test/clock, which exists only under APP_ENV=test. Any other run
 * refuses to start on a database whose clock was moved (`assertClockUnmoved`, called by
 * scripts/prepare-db.ts and when the server first opens its database, lib/db/index.ts).
 *
 * What stays on the real clock, on purpose: cookie and JWT expiry (the browser enforces them
 * on its own clock; the database session behind the cookie decides), the external provider's
 * token cache (another system's clock), and outage probing (lib/db/availability.ts).
 */

/** The largest single move: a day is more than any window in the bank (12 h session lifetime). */
export const MAX_ADVANCE_SECONDS = 24 * 60 * 60;

export async function clockOffsetMs(db: DbOrTx): Promise<number> {
  const [r] = await rows<{ offset_ms: string | number }>(db, sql`SELECT COALESCE((SELECT offset_ms FROM test_clock WHERE id = 1), 0) AS offset_ms`);
  return Number(r?.offset_ms ?? 0);
}

export class ClockMovedError extends Error {}

/** The refusal at start-up: a database a test run has moved the clock of never serves another kind of run. */
export async function assertClockUnmoved(db: DbOrTx, appEnv: Env["appEnv"]): Promise<void> {
  if (appEnv === "test") return;
  const offset = await clockOffsetMs(db);
  if (offset !== 0) {
    throw new ClockMovedError(
      `This database's test clock runs ${Math.round(offset / 1000)} s ahead (table test_clock): a test run (APP_ENV=test) moved it, ` +
        `and every expiry, backoff and TOTP step would be decided on that skewed time. APP_ENV=${appEnv} refuses to start on it. ` +
        "Use a fresh database, or set it back with: UPDATE test_clock SET offset_ms = 0.",
    );
  }
}

export type ClockReading = { nowMs: number; offsetMs: number };

/** The time every decision in the database sees right now, and how far ahead of the real clock it runs. */
export async function readClock(db: DbOrTx): Promise<ClockReading> {
  const [r] = await rows<{ now_ms: string | number; offset_ms: string | number }>(
    db,
    sql`SELECT FLOOR(EXTRACT(EPOCH FROM app_clock_timestamp()) * 1000)::bigint AS now_ms,
               COALESCE((SELECT offset_ms FROM test_clock WHERE id = 1), 0) AS offset_ms`,
  );
  return { nowMs: Number(r!.now_ms), offsetMs: Number(r!.offset_ms) };
}

/** Moves the clock forward by `seconds` (one atomic update: parallel moves add up). */
export async function advanceClock(db: DbOrTx, seconds: number): Promise<ClockReading> {
  await db.execute(
    sql`INSERT INTO test_clock (id, offset_ms) VALUES (1, ${Math.round(seconds * 1000)}::bigint)
        ON CONFLICT (id) DO UPDATE SET offset_ms = test_clock.offset_ms + EXCLUDED.offset_ms`,
  );
  return readClock(db);
}

export const advanceClockSchema = z.strictObject({
  seconds: z
    .number({ error: "seconds: a number of seconds to move the clock forward" })
    .positive("seconds: the clock only moves forward")
    .max(MAX_ADVANCE_SECONDS, `seconds: at most ${MAX_ADVANCE_SECONDS} (a day) at a time`),
});

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", "cache-control": "no-store" } });

/**
 * /api/test/clock. GET: `{ nowMs, offsetMs }`. POST `{ "seconds": n }`: moves the clock forward
 * and answers the new reading. Outside APP_ENV=test both answer 404, exactly like a path that
 * does not exist, before reading anything.
 */
export async function handleClockRequest(req: Request, env: Pick<Env, "appEnv">, getDb: () => Promise<DbOrTx>): Promise<Response> {
  if (env.appEnv !== "test") return json(404, { error: "not_found" });
  if (req.method === "GET" || req.method === "HEAD") return json(200, await readClock(await getDb()));
  if (req.method !== "POST") return json(405, { error: "method_not_allowed", message: "Use GET to read the clock or POST to move it." });
  let body: unknown;
  try {
    body = await req.json();
  } catch {
    return json(400, { error: "invalid_request", message: 'Send JSON: { "seconds": <how far to move the clock forward> }.' });
  }
  const parsed = advanceClockSchema.safeParse(body);
  if (!parsed.success) {
    const why = parsed.error.issues.map((i) => i.message).join("; ");
    return json(400, { error: "invalid_request", message: `Send JSON { "seconds": <how far to move the clock forward> }. Nothing was moved: ${why}.` });
  }
  return json(200, await advanceClock(await getDb(), parsed.data.seconds));
}
