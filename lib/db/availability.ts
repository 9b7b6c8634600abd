/**
 * Database outages (server restarting, connections terminated, nothing listening): how the app
 * recognises them and remembers that one is going on. Free of imports on purpose — proxy.ts,
 * instrumentation.ts and the action guard all use it, in every bundle layer.
 *
 * Only availability lives here (process memory, a hint): nothing security-relevant. While an
 * outage is remembered, proxy.ts asks the database (`SELECT 1`, bounded) before each page
 * request and answers 503 "temporarily unavailable" until it answers again.
 */

/** postgres.js connection errors and Node socket errors that mean "no database right now". */
const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENOTFOUND",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
]);

/**
 * SQLSTATEs of an outage: class 08 (connection exception), 57P01 admin_shutdown (also what
 * pg_terminate_backend sends), 57P02 crash_shutdown, 57P03 cannot_connect_now (starting up).
 */
function isOutageSqlState(code: string): boolean {
  return /^08[0-9A-Z]{3}$/.test(code) || code === "57P01" || code === "57P02" || code === "57P03";
}

/**
 * The code that marks `err`, or anything in its cause chain, as a lost or refused database
 * connection; null for any other failure. drizzle wraps driver errors (DrizzleQueryError.cause)
 * and Auth.js wraps what its callbacks throw (AuthError.cause.err), so the chain is walked, a
 * few levels deep.
 */
export function outageCode(err: unknown): string | null {
  let current: unknown = err;
  for (let depth = 0; depth < 6 && current && typeof current === "object"; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && (CONNECTION_CODES.has(code) || isOutageSqlState(code))) return code;
    const cause = (current as { cause?: unknown }).cause;
    // Auth.js: `new AuthError(err)` keeps the original as `cause.err`.
    current = cause && typeof cause === "object" && "err" in cause && !("code" in cause) ? (cause as { err: unknown }).err : cause;
  }
  return null;
}

export function isDatabaseUnavailable(err: unknown): boolean {
  return outageCode(err) !== null;
}

/**
 * What a server action answers while the database is away. It does not promise "nothing was
 * changed": a connection can die between COMMIT and its answer. Retrying is safe instead —
 * transfers carry an idempotency key the form keeps until it gets an answer.
 */
export const UNAVAILABLE_MESSAGE = "The bank is temporarily unavailable. Please try again in a moment.";

type State = { downSince?: number; probe?: () => Promise<void>; probing?: Promise<boolean>; probedAt?: number; probeOk?: boolean };
const g = globalThis as unknown as { __mfaBankAvailability?: State };
const state = (g.__mfaBankAvailability ??= {});

/** Called wherever an outage is seen (action guard, onRequestError). */
export function noteDatabaseUnavailable(): void {
  state.downSince ??= Date.now();
  state.probedAt = undefined;
}

/** lib/db registers how to ask the database whether it is back (without importing it here). */
export function registerDatabaseProbe(probe: () => Promise<void>): void {
  state.probe = probe;
}

const PROBE_TIMEOUT_MS = 3_000;
/** One probe answers the page requests of this window, so an outage is not a probe storm. */
const PROBE_REUSE_MS = 500;

/**
 * false only while an outage is remembered and the database still does not answer. Never
 * throws; without a remembered outage (the normal case) it costs nothing.
 */
export async function databaseLooksAvailable(): Promise<boolean> {
  if (state.downSince === undefined || !state.probe) return true;
  if (state.probedAt !== undefined && Date.now() - state.probedAt < PROBE_REUSE_MS) return state.probeOk ?? false;
  state.probing ??= (async () => {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        state.probe!(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error("probe timed out")), PROBE_TIMEOUT_MS);
        }),
      ]);
      state.downSince = undefined; // back: nothing more to remember
      return true;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
      state.probedAt = Date.now();
      state.probing = undefined;
    }
  })();
  const ok = await state.probing;
  state.probeOk = ok;
  return ok;
}
