import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  boolean,
  check,
  index,
  inet,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

// Column names are snake_case in SQL (casing: "snake_case" in drizzle config and client).
const ts = (name?: string) => (name ? timestamp(name, { withTimezone: true }) : timestamp({ withTimezone: true }));
// app_now(), not now(): the test clock (lib/clock.ts) moves record stamps with every time decision.
const createdAt = () => ts().notNull().default(sql`app_now()`);
// Money is integer minor units (cents). JS numbers are exact up to 2^53, far above any balance here.
const money = () => bigint({ mode: "number" });

// ─── Tables ────────────────────────────────────────────────────────────────────────────

/** Groups carry the MFA profile (Q2's MFA group profiles). */
export const groups = pgTable("groups", {
  id: text().primaryKey(),
  name: text().notNull(),
  mfaRequired: boolean().notNull().default(false),
  /** Factor ids that may serve each workflow. */
  signInFactors: jsonb().$type<string[]>().notNull().default(sql`'["totp","passkey","recovery"]'::jsonb`),
  stepUpFactors: jsonb().$type<string[]>().notNull().default(sql`'["totp","passkey","recovery"]'::jsonb`),
  /** May a locked member unlock their own account with the link in the lock mail? (NIST SP 800-63B-4 §3.2.2) */
  selfUnlock: boolean().notNull().default(true),
  /**
   * Sign-in (and password reset) accepts only phishing-resistant factors — passkeys (NIST SP
   * 800-63B-4 §3.2.5): the group's sign-in list is narrowed to them (lib/mfa/registry.ts).
   */
  phishingResistantOnly: boolean().notNull().default(false),
  /** "Don't ask for a code on this browser for N days" after MFA at sign-in: 0 = off, at most 30 (lib/auth/remembered-devices.ts). */
  rememberDeviceDays: integer().notNull().default(0),
});

export const users = pgTable(
  "users",
  {
    id: uuid().primaryKey().defaultRandom(),
    /** Stored lower-cased; every lookup normalises the same way. */
    username: text().notNull(),
    email: text().notNull(),
    displayName: text().notNull(),
    role: text({ enum: ["customer", "admin"] }).notNull().default("customer"),
    groupId: text()
      .notNull()
      .references(() => groups.id),
    passwordHash: text().notNull(),
    /** Consecutive failures of any kind (password, any factor): the lockout counter. */
    failedAttempts: integer().notNull().default(0),
    /** Consecutive failed MFA attempts: the backoff exponent. */
    mfaFailedStreak: integer().notNull().default(0),
    /** No attempt is evaluated before this instant (exponential backoff). */
    nextAttemptAt: ts(),
    lockedAt: ts(),
    /** null while locked = until an admin unlocks. */
    lockedUntil: ts(),
    lastSignInAt: ts(),
    passwordChangedAt: createdAt(),
    /** Set by "This wasn't me" (lib/auth/devices.ts): the next sign-in must choose a new password first. */
    mustChangePassword: boolean().notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("users_username_key").on(t.username), index("users_group_idx").on(t.groupId)],
);

/**
 * Database sessions: the Auth.js cookie carries only an opaque token; its SHA-256 is the key
 * here. The row is the truth for MFA state, and revoking it ends the session at once.
 */
export const sessions = pgTable(
  "sessions",
  {
    id: uuid().primaryKey().defaultRandom(),
    tokenHash: text(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** pending: password ok, MFA to do · enrol: must register a factor first ·
     *  verified: MFA passed · none: the user has no MFA and their group does not require it ·
     *  reset: a password-reset link was claimed — reaches the reset flow only, never signs in. */
    mfaState: text({ enum: ["pending", "enrol", "verified", "none", "reset"] }).notNull(),
    mfaVerifiedAt: ts(),
    passwordVerifiedAt: ts(),
    activatedAt: ts(),
    rotatedFrom: uuid(),
    createdAt: createdAt(),
    lastSeenAt: createdAt(),
    expiresAt: ts().notNull(),
    revokedAt: ts(),
    /** Why it ended (lib/auth/session-end.ts): told once to the browser that held it. */
    revokeReason: text(),
    /** When /login told that browser why; null until then. */
    endNoticeShownAt: ts(),
    ip: text(),
    userAgent: text(),
  },
  (t) => [
    uniqueIndex("sessions_token_hash_key").on(t.tokenHash),
    index("sessions_user_idx").on(t.userId),
  ],
);

export const factors = pgTable(
  "factors",
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    type: text().notNull(),
    /** The user-given name of this registration ("Work laptop"); a default until renamed. */
    label: text().notNull(),
    status: text({ enum: ["pending", "active"] }).notNull().default("pending"),
    /** AES-256-GCM, see lib/crypto.ts. Never leaves lib/. */
    secretEnc: text(),
    /** TOTP replay guard: the last accepted time step, advanced by one atomic update. */
    lastUsedStep: bigint({ mode: "number" }),
    createdAt: createdAt(),
    activatedAt: ts(),
    lastUsedAt: ts(),
  },
  // A user may hold several registrations of one factor (passkeys); a factor that allows
  // only one (TOTP) says so in its userCanRegister.
  (t) => [index("factors_user_idx").on(t.userId)],
);

export const recoveryCodes = pgTable(
  "recovery_codes",
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** SHA-256 of the normalised code: codes carry 80 random bits, so a fast hash suffices. */
    codeHash: text().notNull(),
    createdAt: createdAt(),
    usedAt: ts(),
  },
  (t) => [uniqueIndex("recovery_codes_user_hash_key").on(t.userId, t.codeHash)],
);

/** A challenge is bound to one purpose and one session, expires, and is consumed once. */
export const challenges = pgTable(
  "challenges",
  {
    id: uuid().primaryKey().defaultRandom(),
    sessionId: uuid()
      .notNull()
      .references(() => sessions.id, { onDelete: "cascade" }),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    purpose: text({ enum: ["sign_in", "password_reset", "step_up"] }).notNull(),
    status: text({ enum: ["open", "passed", "consumed", "canceled"] }).notNull().default("open"),
    /** Which factor passed it. */
    factor: text(),
    /** Purpose data: the callback URL, the reset id, the step-up action and input hash. */
    context: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
    expiresAt: ts().notNull(),
    passedAt: ts(),
    consumedAt: ts(),
  },
  (t) => [index("challenges_session_idx").on(t.sessionId), index("challenges_user_idx").on(t.userId)],
);

/**
 * A passkey (WebAuthn credential, W3C WebAuthn Level 3): one per `factors` row of type
 * "passkey", which carries its user-given name and times. The public key and counter are
 * what @simplewebauthn/server verifies against; nothing secret is stored.
 */
export const webauthnCredentials = pgTable(
  "webauthn_credentials",
  {
    id: uuid().primaryKey().defaultRandom(),
    factorId: uuid()
      .notNull()
      .references(() => factors.id, { onDelete: "cascade" }),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** The credential id, base64url. */
    credentialId: text().notNull(),
    /** The COSE public key, base64url. */
    publicKey: text().notNull(),
    signCount: bigint({ mode: "number" }).notNull().default(0),
    transports: jsonb().$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    /** Backup eligible ("multiDevice": a synced passkey) or bound to one device ("singleDevice"). */
    deviceType: text({ enum: ["singleDevice", "multiDevice"] }).notNull(),
    backedUp: boolean().notNull(),
    aaguid: text().notNull(),
    createdAt: createdAt(),
    lastUsedAt: ts(),
  },
  (t) => [
    uniqueIndex("webauthn_credentials_credential_id_key").on(t.credentialId),
    uniqueIndex("webauthn_credentials_factor_key").on(t.factorId),
    index("webauthn_credentials_user_idx").on(t.userId),
  ],
);

/**
 * A WebAuthn ceremony's challenge: random, single use, bound to one session and purpose, 5
 * minutes. For an MFA answer it also belongs to the open MFA challenge (`mfaChallengeId`),
 * and its bytes are SHA-256 over session, purpose, the step-up's action and input hash, and
 * `nonce`: the authenticator's signature then covers the exact transfer.
 */
export const webauthnChallenges = pgTable(
  "webauthn_challenges",
  {
    id: uuid().primaryKey().defaultRandom(),
    /** Null for a passkey-first sign-in (purpose "passwordless"): no session and no user yet. */
    sessionId: uuid().references(() => sessions.id, { onDelete: "cascade" }),
    userId: uuid().references(() => users.id, { onDelete: "cascade" }),
    purpose: text({ enum: ["register", "sign_in", "password_reset", "step_up", "passwordless"] }).notNull(),
    /** A passkey-first sign-in's browser: SHA-256 of the short-lived cookie set with the challenge (lib/auth/passkey-sign-in.ts). */
    browserHash: text(),
    /** base64url, as it appears in clientDataJSON. */
    challenge: text().notNull(),
    mfaChallengeId: uuid().references(() => challenges.id, { onDelete: "cascade" }),
    nonce: text().notNull(),
    createdAt: createdAt(),
    expiresAt: ts().notNull(),
    usedAt: ts(),
  },
  (t) => [uniqueIndex("webauthn_challenges_challenge_key").on(t.challenge), index("webauthn_challenges_session_idx").on(t.sessionId)],
);

/**
 * A step-up grant: proof that this session passed MFA for this action with exactly this input
 * (SHA-256 of the validated input). Single use, short-lived; consumed inside the action's
 * transaction, voided when presented with different input.
 */
export const stepUpGrants = pgTable(
  "step_up_grants",
  {
    id: uuid().primaryKey().defaultRandom(),
    sessionId: uuid()
      .notNull()
      .references(() => sessions.id, { onDelete: "cascade" }),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    action: text().notNull(),
    inputHash: text().notNull(),
    challengeId: uuid().references(() => challenges.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    expiresAt: ts().notNull(),
    usedAt: ts(),
    voidedAt: ts(),
  },
  (t) => [index("step_up_grants_session_idx").on(t.sessionId)],
);

/**
 * A password-reset link: only its SHA-256 is stored. 30 minutes, single use, voided by a newer
 * request; claimed by exactly one "reset" session, which must pass MFA (when the user has it)
 * before the new password is accepted.
 */
export const passwordResets = pgTable(
  "password_resets",
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    tokenHash: text().notNull(),
    createdAt: createdAt(),
    expiresAt: ts().notNull(),
    claimedAt: ts(),
    sessionId: uuid(),
    mfaPassedAt: ts(),
    usedAt: ts(),
    voidedAt: ts(),
  },
  (t) => [uniqueIndex("password_resets_token_hash_key").on(t.tokenHash), index("password_resets_user_idx").on(t.userId)],
);

/**
 * The self-unlock link in a lock mail: only its SHA-256 is stored. 1 hour, single use, voided
 * by a newer one; spending it clears the lock and never signs anyone in.
 */
export const unlockLinks = pgTable(
  "unlock_links",
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    tokenHash: text().notNull(),
    createdAt: createdAt(),
    expiresAt: ts().notNull(),
    usedAt: ts(),
    voidedAt: ts(),
  },
  (t) => [uniqueIndex("unlock_links_token_hash_key").on(t.tokenHash), index("unlock_links_user_idx").on(t.userId)],
);

/**
 * Browsers a user has completed a sign-in on (lib/auth/devices.ts). A browser is "seen" when it
 * presents the long-lived opaque device cookie whose SHA-256 is stored here for this user; the
 * user agent and address are only what the new-device mail and the security centre show.
 */
export const knownDevices = pgTable(
  "known_devices",
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    deviceHash: text().notNull(),
    userAgent: text(),
    ip: text(),
    firstSeenAt: createdAt(),
    lastSeenAt: createdAt(),
  },
  (t) => [uniqueIndex("known_devices_user_device_key").on(t.userId, t.deviceHash)],
);

/**
 * "Don't ask for a code on this browser" (lib/auth/remembered-devices.ts): the browser holds an
 * opaque `id.secret` cookie; only the secret's SHA-256 is stored, bound to the user. Each use
 * rotates the secret. It skips the sign-in MFA step only, and is revoked (never deleted, so the
 * security centre and the audit log can say when and why) on every event that should end it.
 */
export const rememberedDevices = pgTable(
  "remembered_devices",
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    secretHash: text().notNull(),
    userAgent: text(),
    ip: text(),
    createdAt: createdAt(),
    lastUsedAt: ts(),
    expiresAt: ts().notNull(),
    revokedAt: ts(),
    revokeReason: text(),
  },
  (t) => [index("remembered_devices_user_idx").on(t.userId)],
);

/**
 * The "This wasn't me" link of a new-device mail: only its SHA-256 is stored. Single use,
 * expiring; spending it (a button, never the GET) ends every session of the account.
 */
export const signInAlerts = pgTable(
  "sign_in_alerts",
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    deviceId: uuid().references(() => knownDevices.id, { onDelete: "set null" }),
    tokenHash: text().notNull(),
    ip: text(),
    userAgent: text(),
    createdAt: createdAt(),
    expiresAt: ts().notNull(),
    usedAt: ts(),
  },
  (t) => [uniqueIndex("sign_in_alerts_token_hash_key").on(t.tokenHash), index("sign_in_alerts_user_idx").on(t.userId)],
);

/**
 * "Ask the bank to reset my MFA": filed by a user who proved the password but lost the device.
 * It grants nothing by itself; an admin resolves it with Reset MFA or declines it. At most one
 * open request per user.
 */
export const recoveryRequests = pgTable(
  "recovery_requests",
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** The user's own words. */
    message: text().notNull(),
    status: text({ enum: ["open", "resolved", "declined"] }).notNull().default("open"),
    ip: text(),
    userAgent: text(),
    createdAt: createdAt(),
    decidedAt: ts(),
    decidedBy: uuid(),
    decidedByLabel: text(),
    /** The admin's reason (mailed to the user when declined). */
    decisionReason: text(),
  },
  (t) => [
    uniqueIndex("recovery_requests_one_open_key").on(t.userId).where(sql`${t.status} = 'open'`),
    index("recovery_requests_status_created_idx").on(t.status, t.createdAt),
  ],
);

/** Fixed-window counters for throttles (per account, per client), shared by every instance. */
export const rateLimits = pgTable(
  "rate_limits",
  {
    key: text().notNull(),
    windowStart: ts().notNull(),
    hits: integer().notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.key, t.windowStart] })],
);

/** One row of settings (id = 1); defaults are the bank's policy. */
export const settings = pgTable(
  "settings",
  {
    id: integer().primaryKey().default(1),
    lockoutThreshold: integer().notNull().default(5),
    /** 0 = locked until an admin unlocks. */
    lockoutDurationMinutes: integer().notNull().default(0),
    backoffBaseMs: integer().notNull().default(1000),
    backoffMaxMs: integer().notNull().default(300_000),
    /** Q2's MFA_TOKEN_LIFETIME_IN_MINUTES: how long a step-up grant lives. */
    mfaTokenLifetimeMinutes: integer().notNull().default(5),
    /** Event-driven validation: transfers above this need MFA … */
    stepUpAmountMinor: money().notNull().default(100_000),
    /** … above this they are blocked outright. */
    blockAmountMinor: money().notNull().default(1_000_000),
    /** A transfer to a payee added within this many hours needs MFA. */
    newPayeeHours: integer().notNull().default(24),
    /** Q2's LogonTacAllow…Targets / EdvTacAllow…Targets: external target types per workflow. */
    signInTargetTypes: jsonb()
      .$type<string[]>()
      .notNull()
      .default(sql`'["mobile_push","sms_otp","voice_otp","email_otp"]'::jsonb`),
    stepUpTargetTypes: jsonb()
      .$type<string[]>()
      .notNull()
      .default(sql`'["mobile_push","sms_otp","voice_otp","email_otp"]'::jsonb`),
    /** How long a push waits for the user (asked of the provider, shown as a countdown). */
    pushTimeoutSeconds: integer().notNull().default(120),
    updatedAt: createdAt(),
  },
  (t) => [
    check("settings_singleton", sql`${t.id} = 1`),
    check("settings_threshold_range", sql`${t.lockoutThreshold} between 1 and 100`),
    check("settings_duration_range", sql`${t.lockoutDurationMinutes} between 0 and 525600`),
    check("settings_lifetime_range", sql`${t.mfaTokenLifetimeMinutes} between 1 and 60`),
    check("settings_backoff_range", sql`${t.backoffBaseMs} between 0 and 300000 and ${t.backoffMaxMs} between 0 and 3600000`),
    check("settings_push_timeout_range", sql`${t.pushTimeoutSeconds} between 5 and 600`),
  ],
);

/** Append-only: nothing in the app updates or deletes a row here. */
export const auditEvents = pgTable(
  "audit_events",
  {
    id: bigserial({ mode: "number" }).primaryKey(),
    at: createdAt(),
    actorUserId: uuid(),
    /** "cli", "system" or the actor's username at the time. */
    actorLabel: text(),
    subjectUserId: uuid(),
    action: text().notNull(),
    outcome: text({ enum: ["ok", "failed", "refused"] }).notNull(),
    details: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    ip: inet(),
    sessionId: uuid(),
  },
  (t) => [
    index("audit_events_subject_at_idx").on(t.subjectUserId, t.at),
    index("audit_events_action_at_idx").on(t.action, t.at),
  ],
);

/** Mail the app sends; the mock mailbox page shows it, SMTP delivers it when configured. */
export const outbox = pgTable(
  "outbox",
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid().references(() => users.id, { onDelete: "cascade" }),
    toAddress: text().notNull(),
    subject: text().notNull(),
    body: text().notNull(),
    createdAt: createdAt(),
    sentAt: ts(),
  },
  (t) => [index("outbox_to_idx").on(t.toAddress, t.createdAt)],
);

export const accounts = pgTable(
  "accounts",
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text().notNull(),
    number: text().notNull(),
    currency: text().notNull().default("EUR"),
    balanceMinor: money().notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("accounts_number_key").on(t.number),
    index("accounts_user_idx").on(t.userId),
    check("accounts_balance_nonnegative", sql`${t.balanceMinor} >= 0`),
  ],
);

export const payees = pgTable(
  "payees",
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text().notNull(),
    accountNumber: text().notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("payees_user_idx").on(t.userId)],
);

/** The ledger: every movement of money is one row here, written with both balances. */
export const transfers = pgTable(
  "transfers",
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    fromAccountId: uuid()
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    toAccountId: uuid().references(() => accounts.id, { onDelete: "cascade" }),
    payeeId: uuid().references(() => payees.id, { onDelete: "set null" }),
    amountMinor: money().notNull(),
    memo: text().notNull().default(""),
    idempotencyKey: text(),
    createdAt: createdAt(),
  },
  (t) => [
    index("transfers_from_idx").on(t.fromAccountId, t.createdAt),
    index("transfers_to_idx").on(t.toAccountId, t.createdAt),
    uniqueIndex("transfers_idempotency_key").on(t.userId, t.idempotencyKey),
    check("transfers_amount_positive", sql`${t.amountMinor} > 0`),
  ],
);

/**
 * External MFA providers (IBM Verify's MFA provider record, docs/PROVIDER-CONTRACT.md). Each
 * capability is a factor known as `credentialPrefix:capability`, e.g. "mock:mobile_push".
 */
export const mfaProviders = pgTable(
  "mfa_providers",
  {
    id: uuid().primaryKey().defaultRandom(),
    name: text().notNull(),
    description: text().notNull().default(""),
    enabled: boolean().notNull().default(true),
    /** Unique, no colon: the factor id is prefix:capability. */
    credentialPrefix: text().notNull(),
    /** null = this app's own mock provider (APP_URL + /mock-provider/api). */
    baseUrl: text(),
    clientId: text().notNull(),
    /** AES-256-GCM sealed to the row id, like factor secrets. Never leaves lib/. */
    clientSecretEnc: text().notNull(),
    /** Which user attribute names the user at the provider. */
    uniqueNameAttribute: text({ enum: ["username", "email"] }).notNull().default("username"),
    capabilities: jsonb().$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    timeoutMs: integer().notNull().default(5000),
    /**
     * Per-resource overrides with CEL transforms (lib/mfa/provider/resources.ts):
     * { "sms_otp_2": { "suffix": "/challenges", "expectedStatus": [202], "incoming": "…" } }.
     * {} = the contract as documented. Parsed with zod on every read.
     */
    resources: jsonb().$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    /**
     * standard: the HTTP contract, polled (docs/PROVIDER-CONTRACT.md). redirect: the user is sent
     * to the provider's own page with a request signed by the bank and comes back with a code,
     * exchanged (PKCE) for a result signed by the provider; its one factor is `prefix:redirect`.
     */
    type: text({ enum: ["standard", "redirect"] }).notNull().default("standard"),
    /** Redirect type: the provider's issuer (the request's `aud`, the result's `iss`). null = the in-app mock's. */
    redirectIssuer: text(),
    /** Redirect type: where the browser is sent. null = the in-app mock's authorize page. */
    authorizeUrl: text(),
    /** Redirect type: where the code is exchanged (client credentials + PKCE). null = the in-app mock's. */
    tokenUrl: text(),
    /** Redirect type: the provider's JWKS endpoint (fetched, cached, refetched once for an unknown kid). */
    jwksUrl: text(),
    /** Redirect type: a pasted JWKS, used instead of jwksUrl when set (public keys only). */
    jwks: jsonb().$type<{ keys: Record<string, unknown>[] }>(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("mfa_providers_prefix_key").on(t.credentialPrefix),
    check("mfa_providers_prefix_no_colon", sql`${t.credentialPrefix} ~ '^[a-z0-9_-]{1,32}$'`),
    check("mfa_providers_timeout_range", sql`${t.timeoutMs} between 100 and 30000`),
  ],
);

/**
 * The bank's side of a redirect-based provider round trip: one row per trip out,
 * bound to one open challenge (its session, user and purpose) and to the transaction the user
 * is asked to approve (the step-up's canonical input hash and its words). `state` is stored as
 * its SHA-256 only and claimed once; the PKCE verifier is sealed to the row. Expires with the
 * MFA token lifetime: a trip that never comes back is TIMEOUT.
 *   pending → (callback claims the state) → verified (a provider result checked, verdict set)
 *   → used (the counted attempt took it), or TIMEOUT / CANCELED / refused on the way.
 */
export const redirectChallenges = pgTable(
  "redirect_challenges",
  {
    id: uuid().primaryKey().defaultRandom(),
    challengeId: uuid()
      .notNull()
      .references(() => challenges.id, { onDelete: "cascade" }),
    sessionId: uuid()
      .notNull()
      .references(() => sessions.id, { onDelete: "cascade" }),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    providerId: uuid()
      .notNull()
      .references(() => mfaProviders.id, { onDelete: "cascade" }),
    factor: text().notNull(),
    purpose: text({ enum: ["sign_in", "password_reset", "step_up"] }).notNull(),
    /** The provider's name for the user (the request's and the result's `sub`). */
    subject: text().notNull(),
    txnHash: text().notNull(),
    txnText: text().notNull(),
    stateHash: text().notNull(),
    nonce: text().notNull(),
    /** AES-256-GCM sealed to the row id. */
    codeVerifierEnc: text().notNull(),
    /** Step-up: the bank page to come back to (a same-origin path). */
    returnTo: text(),
    status: text({ enum: ["pending", "claimed", "verified", "used", "TIMEOUT", "CANCELED", "refused"] })
      .notNull()
      .default("pending"),
    /** Set with `verified`: what the provider's signed result says. */
    verdict: text({ enum: ["SUCCESS", "FAILED"] }),
    /** Why a trip ended without a verdict (audit words, never shown raw to the user). */
    reason: text(),
    createdAt: createdAt(),
    expiresAt: ts().notNull(),
    completedAt: ts(),
  },
  (t) => [
    uniqueIndex("redirect_challenges_state_key").on(t.stateHash),
    index("redirect_challenges_challenge_idx").on(t.challengeId),
    index("redirect_challenges_session_idx").on(t.sessionId),
  ],
);

/**
 * The test clock (lib/clock.ts): app_now() is now() plus this offset. One row (id = 1), moved
 * forward only, and only by a test run (APP_ENV=test); any other run refuses to start while
 * it is not 0 (docs/ARCHITECTURE.md, "Time").
 */
export const testClock = pgTable(
  "test_clock",
  {
    id: integer().primaryKey().default(1),
    offsetMs: bigint({ mode: "number" }).notNull().default(0),
  },
  (t) => [check("test_clock_singleton", sql`${t.id} = 1`), check("test_clock_forward", sql`${t.offsetMs} >= 0`)],
);

// ─── Row types ─────────────────────────────────────────────────────────────────────────

export type User = typeof users.$inferSelect;
export type Session = typeof sessions.$inferSelect;
export type Factor = typeof factors.$inferSelect;
export type Challenge = typeof challenges.$inferSelect;
export type WebauthnCredential = typeof webauthnCredentials.$inferSelect;
export type Settings = typeof settings.$inferSelect;
export type Account = typeof accounts.$inferSelect;
export type Payee = typeof payees.$inferSelect;
export type Transfer = typeof transfers.$inferSelect;
export type StepUpGrant = typeof stepUpGrants.$inferSelect;
export type MfaProvider = typeof mfaProviders.$inferSelect;
export type RedirectChallenge = typeof redirectChallenges.$inferSelect;
export type RecoveryRequest = typeof recoveryRequests.$inferSelect;
export type NewAuditEvent = typeof auditEvents.$inferInsert;
