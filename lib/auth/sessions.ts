import "server-only";
import { sql, type SQL } from "drizzle-orm";
import { rows, type DbOrTx } from "@/lib/db";
import { randomToken, sha256 } from "@/lib/crypto";
import type { Challenge, Session } from "@/lib/db/schema";
import { auditInsert, type PendingAudit } from "@/lib/audit";
import { ChallengeGone, CHALLENGE_MINUTES, challengeFromJsonb, consumeChallengeSql, type PendingConsume } from "@/lib/mfa/challenges";
import { revokeRememberedDevices } from "./remembered-devices";
import type { SessionEndReason } from "./session-end";

/** Declared once, in the schema (sessions.mfa_state). */
export type MfaState = Session["mfaState"];

export const IDLE_TIMEOUT_MINUTES = 30;
/** findSession writes `last_seen_at` at most once a minute, so the row may lag a request by this much. */
export const LAST_SEEN_GRANULARITY_SECONDS = 60;
export const ABSOLUTE_LIFETIME_HOURS = 12;
/**
 * The browser's idle clock (components/idle-warning.tsx), from the server's: it starts at a
 * page request, when the row may already lag by LAST_SEEN_GRANULARITY_SECONDS, so it ends that
 * much sooner — the warning (WCAG 2.2.1) always comes at least 2 minutes before the server's
 * timeout, and at its end the session is still there to be signed out with reason `idle`.
 */
export const IDLE_WARNING = {
  idleSeconds: IDLE_TIMEOUT_MINUTES * 60 - LAST_SEEN_GRANULARITY_SECONDS,
  warnSeconds: 2 * 60,
} as const;
/** Re-entering the password / passing MFA counts as "present" for this long (Extra Horizon). */
export const PRESENCE_MINUTES = 5;

/**
 * Starts a session in its final state, in the caller's transaction, and returns the raw token
 * for the cookie (lib/auth/current.ts `setSessionCookie`, after the transaction commits). Only
 * the SHA-256 of the token is stored. With `rotatedFrom` the predecessor is retired in the
 * same statement: that is how the session id rotates at every step — anonymous → pending →
 * verified — with no window where both are live and no one-time handoff to redeem on the
 * next request (one statement instead of an INSERT now and an UPDATE later).
 * `signedIn` also records the completed sign-in (`users.last_sign_in_at`) in the same statement.
 *
 * The same statement carries, when given, the attempt's audit row (`audit`, written there
 * instead of in a statement of its own), the known-device check of a completed sign-in
 * (`knownDevice`, lib/auth/devices.ts `touchKnownDevice`: `deviceSeen` says whether it matched)
 * and the consumption of the challenge just answered (`consume`): the session is only created
 * when that flipped an open challenge, and otherwise `ChallengeGone` rolls the caller's
 * transaction back, as a separate consuming UPDATE would.
 * It returns the new session as `findSession` would read it, so the request that starts it
 * needs no second lookup (lib/auth/current.ts).
 */
export async function startSession(tx: DbOrTx, s: StartSession): Promise<StartedSession> {
  const gate = s.gate && !s.gate.done ? s.gate : null;
  const { gate: gateRow, started } = await startSessionStatement(tx, s, gate?.gate ?? null);
  if (gate) {
    // The gate did not admit: nothing was written; the attempt goes on from its row (lib/mfa/lockout.ts).
    if (!started) throw new GateClosed(gateRow);
    gate.done = true;
  }
  // The challenge was no longer open (answered meanwhile, expired): nothing of this may commit.
  if (!started) throw new ChallengeGone();
  return started;
}

/** A CTE named `gate` (it may add more after it) that the session's statement starts with, the condition on them under which the statement writes, and what it answers of them (jsonb; default: the `gate` row). */
export type SessionGate = { cte: SQL; admitted: SQL; row?: SQL };

/**
 * A gate handed to the success of an MFA answer (lib/mfa/verify.ts): `startSession` carries it
 * in its statement and sets `done`; when the gate does not admit, nothing was written and
 * `startSession` throws `GateClosed` with the gate's row, for the attempt to go on from.
 */
export type PendingGate = { gate: SessionGate; done: boolean };

/** Thrown by `startSession` when its gate (`PendingGate`) did not admit: the statement wrote nothing. */
export class GateClosed extends Error {
  constructor(readonly row: unknown) {
    super("The session's gate did not admit it.");
  }
}

/**
 * `startSession` behind a gate (the password step: lib/mfa/lockout.ts puts the account's row
 * lock and its admission rules there, so a clean sign-in is one statement): the `gate` CTE
 * runs first, and the session — with everything else the statement writes — only if
 * `gate.admitted` holds; otherwise the statement writes nothing. The gate's row comes back
 * (jsonb) either way. The statement's text does not depend on the outcome.
 */
export async function startSessionIf(tx: DbOrTx, s: StartSession, gate: SessionGate): Promise<{ gate: unknown; started: StartedSession | null }> {
  return startSessionStatement(tx, s, gate);
}

type StartedSession = { sessionId: string; token: string; challenge: Challenge | null; deviceSeen: boolean; session: SessionRow; alsoRead: unknown };

type StartSession = {
    userId: string;
    mfaState: MfaState;
    ip?: string | null;
    userAgent?: string | null;
    rotatedFrom?: string | null;
    passwordVerified?: boolean;
    mfaVerified?: boolean;
    signedIn?: boolean;
    /** A pending session's sign-in challenge, opened in the same statement (lib/mfa/challenges.ts). */
    signInChallenge?: { context: Record<string, unknown> };
    audit?: PendingAudit;
    knownDevice?: SQL | null;
    consume?: PendingConsume;
    /** An MFA answer's gate (the row lock and the factor's claim, lib/mfa/lockout.ts): the statement writes only if it admits. */
    gate?: PendingGate;
    /**
     * A jsonb expression returned with the session (`alsoRead`), evaluated only when the
     * statement opened a sign-in challenge: what the login form's in-place step offers
     * (lib/mfa/registry.ts `snapshotSql`). A refusal reads none of it.
     */
    alsoRead?: SQL;
};

async function startSessionStatement(
  tx: DbOrTx,
  s: StartSession,
  gate: SessionGate | null,
): Promise<{ gate: unknown; started: StartedSession | null }> {
  const token = randomToken();
  const from = s.rotatedFrom ?? null;
  const consume = s.consume && !s.consume.done ? s.consume : null;
  const challengeContext = s.signInChallenge ? JSON.stringify({ ...s.signInChallenge.context, key: null }) : null;
  const fresh = (column: SQL) => sql`COALESCE(${column} > app_now() - ${PRESENCE_MINUTES}::int * interval '1 minute', false)`;
  const [row] = await rows<Omit<SessionRow, "userId" | "mfaState"> & { gate: unknown; challenge: unknown; device_seen: boolean; also_read: unknown }>(
    tx,
    sql`WITH ${gate ? sql`${gate.cte}, ` : sql``}prev AS (
          SELECT password_verified_at, expires_at FROM sessions WHERE id = ${from}
        ), consumed AS (
          ${consume ? consumeChallengeSql(consume.id, consume.factor, gate?.admitted) : sql`SELECT NULL::uuid AS id`}
        ), created AS (
          INSERT INTO sessions (user_id, mfa_state, token_hash, activated_at, last_seen_at, rotated_from, ip, user_agent,
                                password_verified_at, mfa_verified_at, expires_at)
          SELECT ${s.userId}::uuid, ${s.mfaState}, ${sha256(token)}, app_now(), app_now(), ${from}::uuid, ${s.ip ?? null}::inet, ${s.userAgent?.slice(0, 300) ?? null},
                 -- Presence (a recent password) carries over to the rotated successor.
                 ${s.passwordVerified ? sql`app_now()` : sql`(SELECT password_verified_at FROM prev)`},
                 ${s.mfaVerified ? sql`app_now()` : sql`NULL::timestamptz`},
                 -- A rotated session keeps its predecessor's absolute deadline: rotation never extends it.
                 COALESCE((SELECT expires_at FROM prev), app_now() + ${ABSOLUTE_LIFETIME_HOURS}::int * interval '1 hour')
           WHERE EXISTS (SELECT 1 FROM consumed)${gate ? sql` AND ${gate.admitted}` : sql``}
          RETURNING id, user_id, password_verified_at, mfa_verified_at
        ), retired AS (
          UPDATE sessions SET revoked_at = app_now(), revoke_reason = ${"rotated" satisfies SessionEndReason}
           WHERE id = ${from} AND revoked_at IS NULL${gate ? sql` AND EXISTS (SELECT 1 FROM created)` : sql``}
        ), signed_in AS (
          UPDATE users SET last_sign_in_at = app_now() WHERE id = ${s.userId} AND ${s.signedIn ?? false}::boolean${gate ? sql` AND EXISTS (SELECT 1 FROM created)` : sql``}
        ), challenge AS (
          INSERT INTO challenges (session_id, user_id, purpose, context, expires_at)
          SELECT id, ${s.userId}, 'sign_in', ${challengeContext}::jsonb, app_now() + ${CHALLENGE_MINUTES}::int * interval '1 minute'
            FROM created WHERE ${challengeContext}::jsonb IS NOT NULL
          RETURNING *
        ), device AS (
          ${s.knownDevice ?? sql`SELECT NULL::uuid AS id WHERE false`}
        )${s.audit ? sql`, audited AS (${auditInsert(s.audit.event, gate ? sql`EXISTS (SELECT 1 FROM created)` : undefined)})` : sql``}
        SELECT ${gate ? (gate.row ?? sql`(SELECT to_jsonb(gate) FROM gate)`) : sql`NULL::jsonb`} AS gate,
               c.id, (SELECT to_jsonb(challenge) FROM challenge) AS challenge, EXISTS (SELECT 1 FROM device) AS device_seen,
               ${s.alsoRead ? sql`CASE WHEN EXISTS (SELECT 1 FROM challenge) THEN ${s.alsoRead} END` : sql`NULL::jsonb`} AS also_read,
               u.username, u.display_name AS "displayName", u.email, u.role, u.group_id AS "groupId", u.must_change_password AS "mustChangePassword",
               ${fresh(sql`c.password_verified_at`)} AS "passwordFresh", ${fresh(sql`c.mfa_verified_at`)} AS "mfaFresh"
          FROM ${gate ? sql`(SELECT 1) AS one LEFT JOIN created c ON true LEFT JOIN users u ON u.id = c.user_id` : sql`created c JOIN users u ON u.id = c.user_id`}`,
  );
  if (!row?.id) return { gate: row?.gate ?? null, started: null };
  if (s.audit) s.audit.written = true;
  if (consume) consume.done = true;
  const { challenge, device_seen, gate: gateRow, also_read, ...session } = row;
  return {
    gate: gateRow,
    started: {
      sessionId: row.id,
      token,
      challenge: challengeFromJsonb(challenge),
      deviceSeen: Boolean(device_seen),
      session: { ...session, userId: s.userId, mfaState: s.mfaState },
      alsoRead: also_read,
    },
  };
}

export type SessionRow = {
  id: string;
  userId: string;
  mfaState: MfaState;
  username: string;
  displayName: string;
  email: string;
  role: "customer" | "admin";
  groupId: string;
  passwordFresh: boolean;
  mfaFresh: boolean;
  /** "This wasn't me" was used: a new password comes before anything else (lib/auth/devices.ts). */
  mustChangePassword: boolean;
};

/** The session lookup's columns, for a read that rides in it (`findSessionWith`). */
export type SessionRefs = { sessionId: SQL; userId: SQL; groupId: SQL };

/**
 * A read that rides in the session lookup (an answer's challenge and factor, lib/mfa/registry.ts
 * `answerReadSql`): `read` is a jsonb expression over the looked-up session (`SessionRefs`),
 * evaluated only when `admits` holds for it — the same rule the caller's guard then checks
 * (`sessionAdmits`) — so a session that may not act reads nothing more than itself.
 */
export type SessionAlong = { read: (refs: SessionRefs) => SQL; admits: SQL };

/** `admits` for a `SessionAlong`: a session in one of these MFA states; `clear`: and no new password owed. */
export function sessionAdmits(states: readonly MfaState[], opts: { clear?: boolean } = {}): SQL {
  return sql`(s.mfa_state IN (${sql.join(states.map((state) => sql`${state}`), sql`, `)})${opts.clear ? sql` AND NOT u.must_change_password` : sql``})`;
}

async function lookUpSession(db: DbOrTx, token: string, along?: SessionAlong): Promise<{ session: SessionRow; along: unknown } | null> {
  const refs: SessionRefs = { sessionId: sql`s.id`, userId: sql`s.user_id`, groupId: sql`u.group_id` };
  const [row] = await rows<SessionRow & { stale: boolean; along: unknown }>(
    db,
    sql`SELECT s.id, s.user_id AS "userId", s.mfa_state AS "mfaState",
               u.username, u.display_name AS "displayName", u.email, u.role, u.group_id AS "groupId", u.must_change_password AS "mustChangePassword",
               COALESCE(s.password_verified_at > app_now() - ${PRESENCE_MINUTES}::int * interval '1 minute', false) AS "passwordFresh",
               COALESCE(s.mfa_verified_at > app_now() - ${PRESENCE_MINUTES}::int * interval '1 minute', false) AS "mfaFresh",
               (s.last_seen_at < app_now() - ${LAST_SEEN_GRANULARITY_SECONDS}::int * interval '1 second') AS stale,
               ${along ? sql`CASE WHEN ${along.admits} THEN ${along.read(refs)} END` : sql`NULL::jsonb`} AS along
          FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.token_hash = ${sha256(token)}
           AND s.revoked_at IS NULL AND s.activated_at IS NOT NULL
           AND s.expires_at > app_now()
           AND s.last_seen_at > app_now() - ${IDLE_TIMEOUT_MINUTES}::int * interval '1 minute'`,
  );
  if (!row) return null;
  if (row.stale) {
    // Idle timeout bookkeeping: at most one write a minute per session.
    await db.execute(sql`UPDATE sessions SET last_seen_at = app_now() WHERE id = ${row.id}`);
  }
  const { stale: _stale, along: alongRead, ...session } = row;
  void _stale;
  return { session, along: alongRead };
}

/** The one lookup every protected request makes: a missing, expired, idle or revoked row is no session. */
export async function findSession(db: DbOrTx, token: string): Promise<SessionRow | null> {
  return (await lookUpSession(db, token))?.session ?? null;
}

/** `findSession`, with a read that rides in the same statement (`SessionAlong`): null where `admits` does not hold. */
export async function findSessionWith(db: DbOrTx, token: string, along: SessionAlong): Promise<{ session: SessionRow; along: unknown } | null> {
  return lookUpSession(db, token, along);
}

export async function revokeSession(db: DbOrTx, sessionId: string, reason: SessionEndReason): Promise<void> {
  await db.execute(
    sql`UPDATE sessions SET revoked_at = app_now(), revoke_reason = ${reason} WHERE id = ${sessionId} AND revoked_at IS NULL`,
  );
}

/**
 * Ends every session of the user — a password change, an MFA reset, an admin's "end sessions",
 * "This wasn't me" — and with them every browser the user chose to remember (lib/auth/remembered-devices.ts).
 */
export async function revokeAllSessions(
  db: DbOrTx,
  userId: string,
  reason: Extract<SessionEndReason, "password_changed" | "mfa_reset" | "ended_by_admin" | "reported_not_me">,
): Promise<number> {
  const r = await rows<{ id: string }>(
    db,
    sql`UPDATE sessions SET revoked_at = app_now(), revoke_reason = ${reason}
         WHERE user_id = ${userId} AND revoked_at IS NULL RETURNING id`,
  );
  await revokeRememberedDevices(db, userId, reason);
  return r.length;
}

/**
 * Sign-out: the session ends, and its end notice counts as given — the sign-out response
 * itself says "You signed out." (the cookie is deleted with it), so a copy of the old cookie
 * shows nothing later.
 */
export async function signOutSession(db: DbOrTx, sessionId: string): Promise<void> {
  await db.execute(
    sql`UPDATE sessions SET revoked_at = app_now(), revoke_reason = ${"signed_out" satisfies SessionEndReason}, end_notice_shown_at = app_now()
         WHERE id = ${sessionId} AND revoked_at IS NULL`,
  );
}

/** "Stay signed in" (WCAG 2.2.1): the idle clock starts again now, whatever findSession wrote. */
export async function touchSession(db: DbOrTx, sessionId: string): Promise<boolean> {
  const r = await rows<{ id: string }>(
    db,
    sql`UPDATE sessions SET last_seen_at = app_now() WHERE id = ${sessionId} AND revoked_at IS NULL RETURNING id`,
  );
  return r.length === 1;
}

/**
 * /login's question "why did this browser's session end?", asked once. One statement claims
 * the notice of the row the cookie's token names, if that row is no longer usable: revoked
 * (its stored reason), or ran out — then it is revoked here, as of the moment it ran out, with
 * `idle` or `lifetime`, whichever came first. A rotated row tells nothing and is not written.
 * A second call finds `end_notice_shown_at` set and returns null.
 */
export async function claimEndNotice(db: DbOrTx, token: string): Promise<string | null> {
  const idle = sql`s.last_seen_at + ${IDLE_TIMEOUT_MINUTES}::int * interval '1 minute'`;
  const [row] = await rows<{ reason: string | null }>(
    db,
    sql`UPDATE sessions s
           SET end_notice_shown_at = app_now(),
               revoked_at = COALESCE(s.revoked_at, LEAST(s.expires_at, ${idle})),
               revoke_reason = COALESCE(s.revoke_reason, CASE WHEN ${idle} < s.expires_at THEN ${"idle" satisfies SessionEndReason} ELSE ${"lifetime" satisfies SessionEndReason} END)
         WHERE s.token_hash = ${sha256(token)}
           AND s.activated_at IS NOT NULL
           AND s.end_notice_shown_at IS NULL
           AND s.revoke_reason IS DISTINCT FROM ${"rotated" satisfies SessionEndReason}
           AND (s.revoked_at IS NOT NULL OR s.expires_at <= app_now() OR ${idle} <= app_now())
       RETURNING s.revoke_reason AS reason`,
  );
  return row?.reason ?? null;
}
