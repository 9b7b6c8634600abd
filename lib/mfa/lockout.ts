import "server-only";
import { sql, type SQL } from "drizzle-orm";
import { fromJsonb, rows, type Db, type DbOrTx, type Tx } from "@/lib/db";
import { revokeRememberedDevices } from "@/lib/auth/remembered-devices";
import { issueUnlockLink, UNLOCK_LINK_MINUTES } from "@/lib/auth/unlock-links";
import { queueMail } from "@/lib/mail/outbox";
import { mails } from "@/lib/mail/templates";
import { audit, type PendingAudit } from "@/lib/audit";
import type { SessionGate } from "@/lib/auth/sessions";
import type { Evaluation } from "./factors/types";
import { backoffDelayMs, reachesThreshold, successResets, type LockoutPolicy } from "./policy";

/**
 * One lockout model for every factor. Each attempt runs in one transaction that holds the
 * user's row lock (SELECT … FOR UPDATE): admission (locked? inside the backoff delay?),
 * evaluation and counting are serialised per account across sessions, IPs and app instances,
 * and every time comparison uses the database clock — app_clock_timestamp(), not app_now(): app_now() is
 * the transaction's start, which may be long before the row lock was granted.
 */

type UserLockRow = {
  id: string;
  username: string;
  email: string;
  self_unlock: boolean;
  failed_attempts: number;
  mfa_failed_streak: number;
  locked: boolean;
  lock_expired: boolean;
  wait_ms: number;
  now_s: number;
  lockout_threshold: number;
  lockout_duration_minutes: number;
  backoff_base_ms: number;
  backoff_max_ms: number;
};

export type AttemptContext = {
  userId: string;
  sessionId?: string | null;
  ip?: string | null;
  /** e.g. "password", "totp", "recovery", "ext:mobile_push" */
  factor: string;
  purpose: string;
};

export type AttemptOutcome<R> =
  | { kind: "ok"; value: R }
  | { kind: "failed"; reason: string; retryAfterMs: number; locked: boolean }
  | { kind: "wait"; retryAfterMs: number }
  | { kind: "locked" };

/**
 * The two meanings of "locked", each written once:
 * - `lockInForce`: a lock is recorded and has not run out — what a page or a step answers by
 *   ("your account is locked"). `clock` is `app_clock_timestamp()` where the decision is taken
 *   after a row lock was waited for, so the time is the statement's own, not its transaction's.
 * - `lockRecorded`: a lock row is there at all, expired or not — what the attempt under the row
 *   lock starts from: it clears an expired lock itself (audited) before it counts anything.
 * `user` is the users table's alias in the query ("u"), or none.
 */
export function lockInForce(user?: string, clock: SQL = sql`app_now()`): SQL {
  const c = (name: string) => sql.raw(user ? `${user}.${name}` : name);
  return sql`(${c("locked_at")} IS NOT NULL AND (${c("locked_until")} IS NULL OR ${c("locked_until")} > ${clock}))`;
}

export function lockRecorded(user?: string): SQL {
  return sql.raw(`(${user ? `${user}.` : ""}locked_at IS NOT NULL)`);
}

export type { Evaluation } from "./factors/types";

/** The attempt's view of the account, read under its row lock (`FOR UPDATE OF u`). */
function lockColumnsAndFrom(userId: string): { columns: SQL; from: SQL } {
  return {
    columns: sql`u.id, u.username, u.email, g.self_unlock, u.failed_attempts, u.mfa_failed_streak,
               ${lockRecorded("u")} AS locked,
               (u.locked_until IS NOT NULL AND u.locked_until <= app_clock_timestamp()) AS lock_expired,
               GREATEST(0, CEIL(EXTRACT(EPOCH FROM (u.next_attempt_at - app_clock_timestamp())) * 1000))::int AS wait_ms,
               FLOOR(EXTRACT(EPOCH FROM app_clock_timestamp()))::bigint AS now_s,
               s.lockout_threshold, s.lockout_duration_minutes, s.backoff_base_ms, s.backoff_max_ms`,
    from: sql`FROM users u JOIN groups g ON g.id = u.group_id CROSS JOIN settings s
         WHERE u.id = ${userId} AND s.id = 1
           FOR UPDATE OF u`,
  };
}

async function lockUserRow(tx: Tx, ctx: AttemptContext): Promise<UserLockRow | null> {
  const { columns, from } = lockColumnsAndFrom(ctx.userId);
  const [row] = await rows<UserLockRow>(tx, sql`SELECT ${columns} ${from}`);
  return settleLockRow(tx, ctx, row ?? null);
}

/** Numbers as numbers; a lock whose time has run out is cleared (audited) before anything is counted. */
async function settleLockRow(tx: Tx, ctx: AttemptContext, row: UserLockRow | null): Promise<UserLockRow | null> {
  if (!row) return null;
  row.wait_ms = Number(row.wait_ms ?? 0);
  row.now_s = Number(row.now_s);
  row.failed_attempts = Number(row.failed_attempts);
  row.mfa_failed_streak = Number(row.mfa_failed_streak);
  if (row.locked && row.lock_expired) {
    await clearCounters(tx, ctx.userId);
    await audit(tx, {
      action: "account.unlocked",
      outcome: "ok",
      subjectUserId: ctx.userId,
      actorLabel: "system",
      details: { reason: "lock duration elapsed" },
    });
    return { ...row, locked: false, failed_attempts: 0, mfa_failed_streak: 0, wait_ms: 0 };
  }
  return row;
}

function policyOf(row: UserLockRow): LockoutPolicy {
  return {
    lockoutThreshold: row.lockout_threshold,
    lockoutDurationMinutes: row.lockout_duration_minutes,
    backoffBaseMs: row.backoff_base_ms,
    backoffMaxMs: row.backoff_max_ms,
  };
}

async function clearCounters(tx: Tx, userId: string) {
  await tx.execute(
    sql`UPDATE users SET failed_attempts = 0, mfa_failed_streak = 0, next_attempt_at = NULL,
               locked_at = NULL, locked_until = NULL
         WHERE id = ${userId}`,
  );
}

/**
 * Anything for a success to reset? A backoff delay only follows an MFA failure, which also
 * raises the streak, and a locked row never gets this far: with both counters at zero the
 * row is already clean, and the usual success skips the write.
 */
function hasCounts(row: UserLockRow): boolean {
  return row.failed_attempts > 0 || row.mfa_failed_streak > 0;
}

/**
 * Counts one failure; locks the account when it reaches the threshold.
 *
 * `row` null (an unknown username) or locked: the same UPDATE runs and matches no row, so
 * every refused sign-in does the same statements (ASVS 5.0 6.3.8, lib/auth/sign-in.ts).
 */
async function countFailure(
  tx: Tx,
  row: UserLockRow | null,
  ctx: AttemptContext,
  isMfa: boolean,
): Promise<{ retryAfterMs: number; locked: boolean }> {
  const counts = row !== null && !row.locked;
  const policy = row ? policyOf(row) : null;
  const failed = (row?.failed_attempts ?? 0) + 1;
  const streak = (row?.mfa_failed_streak ?? 0) + (isMfa ? 1 : 0);
  const delay = counts && isMfa ? backoffDelayMs(policy!, streak) : 0;
  const locks = counts && reachesThreshold(policy!, failed);
  await tx.execute(
    sql`UPDATE users
           SET failed_attempts = ${failed},
               mfa_failed_streak = ${streak},
               next_attempt_at = CASE WHEN ${delay}::int > 0 THEN app_clock_timestamp() + ${delay}::int * interval '1 millisecond' ELSE next_attempt_at END,
               locked_at = CASE WHEN ${locks} THEN app_clock_timestamp() ELSE locked_at END,
               locked_until = CASE WHEN ${locks} AND ${policy?.lockoutDurationMinutes ?? 0}::int > 0
                                   THEN app_clock_timestamp() + ${policy?.lockoutDurationMinutes ?? 0}::int * interval '1 minute'
                                   ELSE locked_until END
         WHERE id = ${row?.id ?? ctx.userId} AND ${counts}::boolean`,
  );
  if (locks) await lockAccount(tx, row!, ctx, policy!);
  return { retryAfterMs: delay, locked: locks };
}

async function lockAccount(tx: Tx, row: UserLockRow, ctx: AttemptContext, policy: LockoutPolicy) {
  // Every session of the user ends at its next request, and no remembered browser survives a lock.
  await tx.execute(
    sql`UPDATE sessions SET revoked_at = app_now(), revoke_reason = 'account_locked'
         WHERE user_id = ${row.id} AND revoked_at IS NULL`,
  );
  await revokeRememberedDevices(tx, row.id, "account_locked");
  // The owner unlocks by mail when their group allows it (NIST SP 800-63B-4 §3.2.2).
  const link = row.self_unlock ? await issueUnlockLink(tx, row.id) : null;
  await audit(tx, {
    action: "account.locked",
    outcome: "ok",
    subjectUserId: row.id,
    actorLabel: "system",
    sessionId: ctx.sessionId,
    ip: ctx.ip,
    details: { failedAttempts: policy.lockoutThreshold, lastFactor: ctx.factor, purpose: ctx.purpose },
  });
  const until =
    policy.lockoutDurationMinutes > 0
      ? `It unlocks by itself after ${policy.lockoutDurationMinutes} minutes, or a bank administrator can unlock it.`
      : "A bank administrator can unlock it: call us, and we will check it is really you.";
  const what = link
    ? `To unlock it yourself, open this link within ${UNLOCK_LINK_MINUTES} minutes and press "Unlock my account":\n\n${link}\n\n` +
      "The link only unlocks: you still sign in with your password and your second step. If it does not work, call us: " +
      "a bank administrator can unlock your account once we have checked it is really you." +
      (policy.lockoutDurationMinutes > 0 ? ` It also unlocks by itself after ${policy.lockoutDurationMinutes} minutes.` : "")
    : until;
  await queueMail(tx, {
    userId: row.id,
    to: row.email,
    ...mails.locked(row.username, policy.lockoutThreshold, what),
  });
}

/**
 * The password step's gate for the statement that starts the session (lib/auth/sessions.ts
 * `startSessionIf`): the same row lock and row as `lockUserRow`, and `admitted` — the account
 * is not locked (an expired lock is not yet cleared: that takes its own audited statements),
 * the password was right, the caller allows it, and a success would have no counters to reset.
 * Only then does that statement write; otherwise the attempt goes on as below, from the row.
 */
function passwordGate(userId: string, admit: boolean, resets: boolean): SessionGate {
  const { columns, from } = lockColumnsAndFrom(userId);
  return {
    cte: sql`gate AS MATERIALIZED (
          SELECT ${columns},
                 (NOT ${lockRecorded("u")} AND ${admit}::boolean
                  AND NOT (${resets}::boolean AND (u.failed_attempts > 0 OR u.mfa_failed_streak > 0))) AS admitted
          ${from})`,
    admitted: sql`EXISTS (SELECT 1 FROM gate WHERE admitted)`,
  };
}

/** What the gated statement answers: the locked row (jsonb, as `to_jsonb` wrote it) and the success's value, if it wrote. */
export type GatedStart<R> = { gate: unknown; value: R | null };

/**
 * Records a password check already made (argon2 runs outside the row lock, so one slow hash
 * never holds the lock). `onSuccess` runs in the same transaction when the password was right
 * and the account is usable — it creates the session, and may write the success's audit row in
 * its own statement (`PendingAudit`); otherwise that row is written after it.
 *
 * `startGated`, when given, is that success as one statement behind the row lock: it runs first,
 * with the gate (`passwordGate`) as its first CTE, and writes only if the gate admits — a clean
 * sign-in is then BEGIN, that statement, COMMIT. Whether it is given may depend only on what the
 * client sent (a remembered-browser cookie), never on the account. When the gate does not admit,
 * the attempt goes on from the row it read, exactly as after `lockUserRow`.
 *
 * Every refusal — unknown user (`ctx.userId` then names no row), wrong password, locked —
 * runs the same statements: the row-lock statement (the same text whatever the account: its
 * parameters differ), the counter UPDATE (matching no row when there is nothing to count), one
 * audit INSERT. The answers are the same, and so is the work (ASVS 5.0 6.3.8;
 * lib/auth/sign-in.int.test.ts counts it). An unknown name locks nothing, so unknown names never
 * wait on each other.
 */
export async function recordPasswordAttempt<R>(
  db: Db,
  ctx: AttemptContext & { passwordOk: boolean; userHasMfa: boolean; username?: string },
  onSuccess: (tx: Tx, audited: PendingAudit) => Promise<R>,
  startGated?: (tx: Tx, gate: SessionGate, audited: PendingAudit) => Promise<GatedStart<R>>,
): Promise<AttemptOutcome<R>> {
  return db.transaction(async (tx) => {
    const okEvent = (subjectUserId: string | null) => ({ subjectUserId, sessionId: ctx.sessionId, ip: ctx.ip, action: "sign_in.password", outcome: "ok" as const });
    let row: UserLockRow | null;
    if (startGated) {
      const audited: PendingAudit = { event: okEvent(ctx.userId), written: false };
      const resets = successResets("password", ctx.userHasMfa);
      const gated = await startGated(tx, passwordGate(ctx.userId, ctx.passwordOk, resets), audited);
      if (gated.value !== null) {
        if (!audited.written) await audit(tx, audited.event);
        return { kind: "ok", value: gated.value };
      }
      const read = fromJsonb(gated.gate);
      row = await settleLockRow(tx, ctx, read ? (read as UserLockRow) : null);
    } else {
      row = await lockUserRow(tx, ctx);
    }
    const base = { subjectUserId: row?.id ?? null, sessionId: ctx.sessionId, ip: ctx.ip };
    if (!row || row.locked || !ctx.passwordOk) {
      const r = await countFailure(tx, row, ctx, false);
      const reason = !row ? "unknown user" : row.locked ? "account locked" : "wrong password";
      await audit(tx, {
        ...base,
        action: "sign_in.password",
        outcome: row?.locked ? "refused" : "failed",
        details: { reason, ...(row ? {} : { username: ctx.username?.slice(0, 64) ?? null }) },
      });
      return row && !row.locked ? { kind: "failed", reason, ...r } : { kind: "locked" };
    }
    if (successResets("password", ctx.userHasMfa) && hasCounts(row)) await clearCounters(tx, ctx.userId);
    const audited: PendingAudit = { event: okEvent(base.subjectUserId), written: false };
    const value = await onSuccess(tx, audited);
    if (!audited.written) await audit(tx, audited.event);
    return { kind: "ok", value };
  });
}

/**
 * What a factor checked before the attempt's transaction — TOTP's HMAC over the code, as the
 * password's argon2 runs before its row lock — and what makes that pass count, for a success
 * that is one statement behind the row lock (`attemptMfa`'s `gated`). The decision is still
 * taken under the lock: `holds` re-checks the pass there with the lock's clock (false when the
 * check failed), and `claim` — its conditional write (TOTP's step claim) — runs only when the
 * gate admits. An admitted answer whose claim writes nothing is refused with `refused`.
 */
export type MfaPrecheck = {
  /** A condition in the gate (over the locked row `u`): the pass still stands at `nowSeconds`, the lock's clock. */
  holds: (nowSeconds: SQL) => SQL;
  /** A data-modifying statement that returns a row when it wrote, conditioned on `admitted`. */
  claim: (admitted: SQL) => SQL;
  refused: string;
};

/**
 * The MFA answer's gate for the statement that completes the sign-in (lib/auth/sessions.ts
 * `startSession` with a `PendingGate`): the same row lock and row as `lockUserRow`, then the
 * factor's claim, which writes only if the locked row admits — no lock recorded (an expired one
 * is not yet cleared: that takes its own audited statements), no backoff delay running, no
 * counters for a success to reset, and the precheck still holding. The session, the
 * challenge's consumption and the rest of that statement write only if the claim wrote.
 */
function mfaGate(userId: string, pre: MfaPrecheck): SessionGate {
  const { columns, from } = lockColumnsAndFrom(userId);
  return {
    cte: sql`gate AS MATERIALIZED (
          SELECT ${columns},
                 (NOT ${lockRecorded("u")}
                  AND (u.next_attempt_at IS NULL OR u.next_attempt_at <= app_clock_timestamp())
                  AND u.failed_attempts = 0 AND u.mfa_failed_streak = 0
                  AND ${pre.holds(sql`FLOOR(EXTRACT(EPOCH FROM app_clock_timestamp()))::bigint`)}) AS admitted
          ${from}
        ), claimed AS (
          ${pre.claim(sql`EXISTS (SELECT 1 FROM gate WHERE admitted)`)}
        )`,
    admitted: sql`EXISTS (SELECT 1 FROM claimed)`,
    row: sql`(SELECT to_jsonb(gate) || jsonb_build_object('claimed', EXISTS (SELECT 1 FROM claimed)) FROM gate)`,
  };
}

/** Whether the claim of a gate's row (`mfaGate`) wrote: then only the rest of its statement did not — the challenge was gone. */
export function gateClaimed(row: unknown): boolean {
  const read = fromJsonb(row);
  return Boolean((read as { claimed?: boolean } | null)?.claimed);
}

/**
 * One MFA attempt, whatever the factor. Refused without evaluating (and without counting)
 * when the account is locked or the backoff delay has not passed; otherwise `evaluate` runs
 * under the row lock, the result is counted, and on success `onSuccess` runs in the same
 * transaction (rotate the session, mint a grant, consume the challenge) — with the success's
 * audit row, written by `onSuccess`'s own statement when it can carry it (`PendingAudit`), else after it.
 *
 * `gated`, when given, is that success as one statement behind the row lock, for a factor that
 * checked the answer before the transaction (`MfaPrecheck`): it runs first, with the gate
 * (`mfaGate`) and the factor's claim as its first CTEs, and writes only if both admit — a clean
 * TOTP sign-in is then BEGIN, that statement, COMMIT. When it does not write, the attempt goes
 * on from the row it locked, exactly as after `lockUserRow`: an expired lock is cleared, a lock
 * or a backoff delay refuses, and `evaluate` decides with the lock's clock — except that an
 * admitted answer whose claim wrote nothing is refused with the precheck's reason (TOTP:
 * "replayed"), as a claim under the lock refuses it. Refusals count and audit as before.
 */
export async function attemptMfa<R>(
  db: Db,
  ctx: AttemptContext,
  /** Runs under the row lock; `nowSeconds` is the database clock (TOTP time steps use it). */
  evaluate: (tx: Tx, clock: { nowSeconds: number }) => Promise<Evaluation>,
  onSuccess: (tx: Tx, audited: PendingAudit) => Promise<R>,
  gated?: { precheck: MfaPrecheck; start: (tx: Tx, gate: SessionGate, audited: PendingAudit) => Promise<GatedStart<R>> },
): Promise<AttemptOutcome<R>> {
  return db.transaction(async (tx) => {
    const base = {
      subjectUserId: ctx.userId,
      sessionId: ctx.sessionId,
      ip: ctx.ip,
    };
    const details = { factor: ctx.factor, purpose: ctx.purpose };
    const okEvent = { ...base, action: "mfa.verify", outcome: "ok" as const, details };
    let row: UserLockRow | null;
    let claimRefused = false;
    if (gated) {
      const audited: PendingAudit = { event: okEvent, written: false };
      const started = await gated.start(tx, mfaGate(ctx.userId, gated.precheck), audited);
      if (started.value !== null) {
        if (!audited.written) await audit(tx, audited.event);
        return { kind: "ok", value: started.value };
      }
      const read = fromJsonb<(UserLockRow & { admitted: boolean; claimed: boolean }) | null>(started.gate);
      // `start` rolls back (ChallengeGone) when the claim wrote and the rest did not.
      if (read?.claimed) throw new Error("An MFA gate's claim wrote without its session.");
      claimRefused = Boolean(read?.admitted);
      row = await settleLockRow(tx, ctx, read);
    } else {
      row = await lockUserRow(tx, ctx);
    }
    if (!row || row.locked) {
      await audit(tx, { ...base, action: "mfa.verify", outcome: "refused", details: { ...details, reason: "account locked" } });
      return { kind: "locked" };
    }
    if (row.wait_ms > 0) {
      await audit(tx, {
        ...base,
        action: "mfa.verify",
        outcome: "refused",
        details: { ...details, reason: "backoff", retryAfterMs: row.wait_ms },
      });
      return { kind: "wait", retryAfterMs: row.wait_ms };
    }
    const result: Evaluation = claimRefused ? { ok: false, reason: gated!.precheck.refused } : await evaluate(tx, { nowSeconds: row.now_s });
    if (!result.ok) {
      const r = await countFailure(tx, row, ctx, true);
      await audit(tx, { ...base, action: "mfa.verify", outcome: "failed", details: { ...details, reason: result.reason } });
      return { kind: "failed", reason: result.reason, ...r };
    }
    if (hasCounts(row)) await clearCounters(tx, ctx.userId);
    const audited: PendingAudit = { event: okEvent, written: false };
    const value = await onSuccess(tx, audited);
    if (!audited.written) await audit(tx, audited.event);
    return { kind: "ok", value };
  });
}

/**
 * A read-only look at admission, without the row lock: a factor that calls a provider asks this
 * first, so a locked account or one inside its backoff delay sends no push and no code. The
 * counted attempt (attemptMfa) still decides under the lock.
 */
export async function peekAdmission(db: DbOrTx, userId: string): Promise<{ locked: boolean; waitMs: number }> {
  const [row] = await rows<{ locked: boolean; wait_ms: number }>(
    db,
    sql`SELECT ${lockInForce(undefined, sql`app_clock_timestamp()`)} AS locked,
               GREATEST(0, CEIL(EXTRACT(EPOCH FROM (next_attempt_at - app_clock_timestamp())) * 1000))::int AS wait_ms
          FROM users WHERE id = ${userId}`,
  );
  return { locked: !row || row.locked, waitMs: Number(row?.wait_ms ?? 0) };
}

/**
 * Unlock (admin page, CLI): clears the lock and every counter; audited with the actor. Inside
 * a caller's transaction (the admin step-up guard) it runs as a savepoint of it.
 */
export async function unlockUser(
  db: DbOrTx,
  userId: string,
  actor: { userId?: string | null; label: string; ip?: string | null; reason?: string },
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [u] = await rows<{ locked: boolean }>(
      tx,
      sql`SELECT ${lockRecorded()} AS locked FROM users WHERE id = ${userId} FOR UPDATE`,
    );
    if (!u) return false;
    await clearCounters(tx, userId);
    await audit(tx, {
      action: "account.unlocked",
      outcome: "ok",
      subjectUserId: userId,
      actorUserId: actor.userId,
      actorLabel: actor.label,
      ip: actor.ip,
      details: { wasLocked: u.locked, reason: actor.reason ?? null },
    });
    return true;
  });
}
