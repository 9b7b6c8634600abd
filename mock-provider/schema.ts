import { sql } from "drizzle-orm";
import { index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

/**
 * The mock provider's own tables: another system's data, kept in its own schema file
 * (drizzle.config.ts lists both) and used only by the code in this folder. They share the
 * bank's database and migrations only because the mock runs inside the same app for demos.
 */

// Same column conventions as lib/db/schema.ts: snake_case, timestamptz, stamps on app_now().
const ts = () => timestamp({ withTimezone: true });
const createdAt = () => ts().notNull().default(sql`app_now()`);

export const mockProviderClients = pgTable("mock_provider_clients", {
  clientId: text().primaryKey(),
  /** SHA-256 of the client secret. */
  secretHash: text().notNull(),
  /** Redirect type: where the client's signed requests are checked (its JWKS). null = the in-app bank's /api/jwks. */
  jwksUri: text(),
  /** Redirect type: the one callback the browser may be sent back to. null = the in-app bank's /mfa/redirect/callback. */
  redirectUri: text(),
  createdAt: createdAt(),
});

/** The mock provider's result-signing keys (ES256). The newest is used; older ones stay in its JWKS until removed. */
export const mockProviderKeys = pgTable("mock_provider_keys", {
  kid: text().primaryKey(),
  /** A demo provider's private JWK. A real provider keeps this in an HSM/KMS. */
  privateJwk: jsonb().$type<Record<string, unknown>>().notNull(),
  publicJwk: jsonb().$type<Record<string, unknown>>().notNull(),
  createdAt: createdAt(),
});

/**
 * The mock provider's authorization requests: one per signed request it accepted, answered on
 * its page (approved / denied), then a one-time code the client exchanges once with its PKCE
 * verifier (only the code's SHA-256 is kept).
 */
export const mockProviderAuthorizations = pgTable(
  "mock_provider_authorizations",
  {
    id: uuid().primaryKey().defaultRandom(),
    clientId: text().notNull(),
    subject: text().notNull(),
    purpose: text().notNull(),
    txnHash: text().notNull(),
    txnText: text().notNull(),
    state: text().notNull(),
    nonce: text().notNull(),
    codeChallenge: text().notNull(),
    redirectUri: text().notNull(),
    decision: text({ enum: ["approved", "denied"] }),
    codeHash: text(),
    createdAt: createdAt(),
    expiresAt: ts().notNull(),
    codeUsedAt: ts(),
  },
  (t) => [uniqueIndex("mock_provider_authorizations_code_key").on(t.codeHash)],
);

export const mockProviderTokens = pgTable(
  "mock_provider_tokens",
  {
    tokenHash: text().primaryKey(),
    clientId: text().notNull(),
    expiresAt: ts().notNull(),
  },
  (t) => [index("mock_provider_tokens_expires_idx").on(t.expiresAt)],
);

export const mockProviderUsers = pgTable(
  "mock_provider_users",
  {
    id: uuid().primaryKey().defaultRandom(),
    uniqueName: text().notNull(),
    displayName: text().notNull().default(""),
    /** Overrides the push timeout for this user (tests use a short one). */
    pushTimeoutSeconds: integer(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("mock_provider_users_unique_name_key").on(t.uniqueName)],
);

export const mockProviderTargets = pgTable(
  "mock_provider_targets",
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid()
      .notNull()
      .references(() => mockProviderUsers.id, { onDelete: "cascade" }),
    capability: text({ enum: ["mobile_push", "sms_otp", "voice_otp", "email_otp"] }).notNull(),
    /** Phone number, e-mail address or device name. */
    address: text().notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("mock_provider_targets_user_idx").on(t.userId)],
);

export const mockProviderTransactions = pgTable(
  "mock_provider_transactions",
  {
    id: uuid().primaryKey().defaultRandom(),
    clientId: text().notNull(),
    userId: uuid()
      .notNull()
      .references(() => mockProviderUsers.id, { onDelete: "cascade" }),
    targetId: uuid()
      .notNull()
      .references(() => mockProviderTargets.id, { onDelete: "cascade" }),
    capability: text().notNull(),
    status: text({ enum: ["PENDING", "SUCCESS", "FAILED", "CANCELED", "TIMEOUT"] }).notNull().default("PENDING"),
    /** One-time codes: SHA-256 only; the delivered message (shown on the device page) has the code. */
    codeHash: text(),
    message: text(),
    numberToMatch: integer(),
    /** The three numbers the device offers, the right one among them. */
    choices: jsonb().$type<number[]>(),
    createdAt: createdAt(),
    expiresAt: ts().notNull(),
    completedAt: ts(),
  },
  (t) => [index("mock_provider_transactions_user_idx").on(t.userId, t.createdAt)],
);
