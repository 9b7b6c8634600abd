import type { SQL } from "drizzle-orm";
import type { Db, DbOrTx, Tx } from "@/lib/db";
import type { Challenge } from "@/lib/db/schema";
import type { MfaPrecheck } from "@/lib/mfa/lockout";

/**
 * A factor is a plugin (after Totara's factor class): one server file implementing this
 * interface, registered in lib/mfa/registry.ts, plus one client file with its Register and
 * Verify components, registered in components/factors/index.ts. The core never names a factor:
 * the /mfa page, enrolment, the Security page, presence and the step-up dialog all list what
 * the registry offers and render each factor's own components with the data it builds.
 */
export type FactorUser = { userId: string; username: string; email: string; groupId: string; sessionId: string };

export type FactorInput = Record<string, string>;

export type Evaluation = { ok: true } | { ok: false; reason: string };

export type RegisterResult = { ok: true; data?: unknown } | { ok: false; message: string; countsAsFailure?: boolean };

/**
 * What a factor that talks to something outside (an external provider) decides before the
 * counted attempt. Its HTTP calls run here, outside the lockout transaction, so no row lock is
 * held while a provider answers.
 *   verify      — go on to the counted attempt with this input (made by the server, not the client)
 *   continue    — a step that is not an attempt (targets listed, code sent, push still pending)
 *   unavailable — the provider failed: nothing is counted, the fault is audited
 */
export type Preparation =
  | { kind: "verify"; input: FactorInput }
  | { kind: "continue"; data: unknown; message?: string }
  | { kind: "unavailable"; fault: string; message?: string };

/** One registration as the Security page lists it: a `factors` row, with the factor's own detail. */
export type Registration = {
  id: string;
  /** The user-given name (a default until renamed). */
  name: string;
  /** e.g. "Synced passkey · iCloud Keychain"; the factor decides. */
  detail?: string;
  activatedAt: Date | null;
  lastUsedAt: Date | null;
};

/** Where a factor is used: the purposes a challenge can have (lib/db/schema.ts, challenges.purpose). */
export type Workflow = Challenge["purpose"];

/** What one read tells about a user's factors: active `factors` row types, unused recovery codes. */
export type FactorSnapshot = { activeTypes: ReadonlySet<string>; unusedRecoveryCodes: boolean };

export interface FactorPlugin {
  /** Stable id, also the audit name: "totp", "recovery", "ext:mobile_push". */
  id: string;
  name: string;
  description: string;
  verifyTitle: string;
  registerTitle: string;
  /** Whether it counts as "having MFA" on its own (recovery codes only back another factor up). */
  primary: boolean;
  /** Bound to the site's origin, so a look-alike site can't relay it (NIST SP 800-63B-4 §3.2.5): passkeys. */
  phishingResistant?: boolean;
  /**
   * What the user reads for each failure reason `verify` returns (and `register` may use). A
   * reason without an entry gets the generic "That did not work" line.
   */
  messages: Record<string, string>;
  /** Is the factor set up, so it can verify this user? */
  isActive(db: DbOrTx, userId: string): Promise<boolean>;
  /**
   * Optional: the same answer as `isActive`, from the one read the registry makes for a whole
   * page (lib/mfa/registry.ts `snapshotOf`), so a page does not probe each factor with its own
   * query. Undefined: the snapshot cannot tell, and the registry asks `isActive`.
   */
  activeIn?(snapshot: FactorSnapshot): boolean | undefined;
  /** May the user add (or renew) it now? A user may hold several registrations of one factor. */
  userCanRegister(db: DbOrTx, user: FactorUser): Promise<boolean>;
  /** Props for the Register component (may start a pending registration). */
  registerData(db: DbOrTx, user: FactorUser): Promise<unknown>;
  /** Completes a registration with what the Register component submitted. */
  register(db: DbOrTx, user: FactorUser, input: FactorInput): Promise<RegisterResult>;
  /**
   * Props for the Verify component, built for the open challenge it will answer: its purpose
   * and binding (a step-up's action and input hash), so a ceremony can be bound to it.
   */
  verifyData(db: DbOrTx, user: FactorUser, challenge: Challenge): Promise<unknown>;
  /**
   * Checks what the Verify component submitted, for `challenge`. Runs inside the lockout
   * transaction, under the user's row lock; `nowSeconds` is the database clock. A malformed
   * input is a failure.
   */
  verify(tx: Tx, user: FactorUser & { nowSeconds: number }, input: FactorInput, challenge: Challenge, read?: unknown): Promise<Evaluation>;
  /**
   * Optional: what `verify` needs of the database, as one scalar subquery (jsonb, or NULL) that
   * the registry adds to the answer's one read of challenge and policy (lib/mfa/registry.ts
   * `challengeAndFactor`); its value reaches `verify` as `read`. It is read before
   * the row lock, so `verify` may only rely on it where a conditional write under the lock
   * re-checks it (TOTP: the replay claim's `last_used_step < step`).
   */
  verifyRead?(userId: SQL): SQL;
  /**
   * Optional: the part of `verify` that needs no row lock, made before the attempt's
   * transaction with the clock of the answer's read (TOTP: the HMAC over the code), and what
   * makes a pass count, as SQL the sign-in's one statement runs behind the row lock
   * (lib/mfa/lockout.ts `MfaPrecheck`: re-checked there with the lock's clock; the claim
   * conditional on the gate). Whatever this answers, `verify` still decides when that
   * statement does not admit — so it must agree with `verify` on every input.
   */
  precheck?(user: FactorUser & { nowSeconds: number }, input: FactorInput, challenge: Challenge, read?: unknown): Promise<MfaPrecheck>;
  /** Optional: what the Security page adds to each of this factor's registrations. */
  describe?(db: DbOrTx, userId: string, registrations: Registration[]): Promise<Registration[]>;
  /** Removes one registration (`registrationId`, a `factors` row) or, without it, all of them (admin reset). */
  remove(db: DbOrTx, userId: string, registrationId?: string): Promise<void>;
  /** Optional: runs before the attempt, outside the lockout transaction (see Preparation). */
  prepare?(db: Db, user: FactorUser, challenge: Challenge, input: FactorInput): Promise<Preparation>;
  /** Optional: whether the bank's settings allow this factor for a workflow at all. */
  allowedIn?(db: DbOrTx, workflow: Workflow): Promise<boolean>;
  /** Side effects after a successful verify, in the same transaction (mail, audit, last used). */
  afterVerify?(tx: Tx, user: FactorUser): Promise<void>;
}
