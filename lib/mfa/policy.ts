/**
 * Pure lockout/backoff policy (Extra Horizon's exponential re-attempt delay). The database
 * applies it atomically in lib/mfa/lockout.ts; this file is what the unit tests pin down.
 */
export type LockoutPolicy = {
  lockoutThreshold: number;
  lockoutDurationMinutes: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
};

/** Wait after the n-th consecutive failed MFA attempt (n ≥ 1): base, 2·base, 4·base … capped. */
export function backoffDelayMs(policy: LockoutPolicy, consecutiveMfaFailures: number): number {
  if (policy.backoffBaseMs <= 0 || consecutiveMfaFailures < 1) return 0;
  const exp = Math.min(consecutiveMfaFailures - 1, 30);
  return Math.min(policy.backoffMaxMs, policy.backoffBaseMs * 2 ** exp);
}

/** Does this failure (the new consecutive total) lock the account? */
export function reachesThreshold(policy: LockoutPolicy, failedAttempts: number): boolean {
  return failedAttempts >= policy.lockoutThreshold;
}

/** Which successes reset the counters: a passed MFA always; a password only for users without MFA. */
export function successResets(kind: "password" | "mfa", userHasMfa: boolean): boolean {
  return kind === "mfa" || !userHasMfa;
}
