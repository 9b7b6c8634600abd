CREATE TABLE "test_clock" (
	"id" integer PRIMARY KEY DEFAULT 1 NOT NULL,
	"offset_ms" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "test_clock_singleton" CHECK ("test_clock"."id" = 1),
	CONSTRAINT "test_clock_forward" CHECK ("test_clock"."offset_ms" >= 0)
);
--> statement-breakpoint
-- The test clock (lib/clock.ts, docs/ARCHITECTURE.md "Time"). Every time decision in SQL reads
-- app_now() (the transaction's time, like now()) or app_clock_timestamp() (the statement's
-- moment, like clock_timestamp()); both are the real clock plus the one stored offset, which
-- only a test run can move and any other run refuses to start with.
INSERT INTO "test_clock" ("id", "offset_ms") VALUES (1, 0);
--> statement-breakpoint
CREATE FUNCTION app_now() RETURNS timestamp with time zone LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT now() + COALESCE((SELECT offset_ms FROM test_clock WHERE id = 1), 0) * interval '1 millisecond'
$$;
--> statement-breakpoint
CREATE FUNCTION app_clock_timestamp() RETURNS timestamp with time zone LANGUAGE sql VOLATILE PARALLEL SAFE AS $$
  SELECT clock_timestamp() + COALESCE((SELECT offset_ms FROM test_clock WHERE id = 1), 0) * interval '1 millisecond'
$$;
--> statement-breakpoint
ALTER TABLE "accounts" ALTER COLUMN "created_at" SET DEFAULT app_now();--> statement-breakpoint
ALTER TABLE "audit_events" ALTER COLUMN "at" SET DEFAULT app_now();--> statement-breakpoint
ALTER TABLE "challenges" ALTER COLUMN "created_at" SET DEFAULT app_now();--> statement-breakpoint
ALTER TABLE "factors" ALTER COLUMN "created_at" SET DEFAULT app_now();--> statement-breakpoint
ALTER TABLE "known_devices" ALTER COLUMN "first_seen_at" SET DEFAULT app_now();--> statement-breakpoint
ALTER TABLE "known_devices" ALTER COLUMN "last_seen_at" SET DEFAULT app_now();--> statement-breakpoint
ALTER TABLE "mfa_providers" ALTER COLUMN "created_at" SET DEFAULT app_now();--> statement-breakpoint
ALTER TABLE "mock_provider_clients" ALTER COLUMN "created_at" SET DEFAULT app_now();--> statement-breakpoint
ALTER TABLE "mock_provider_targets" ALTER COLUMN "created_at" SET DEFAULT app_now();--> statement-breakpoint
ALTER TABLE "mock_provider_transactions" ALTER COLUMN "created_at" SET DEFAULT app_now();--> statement-breakpoint
ALTER TABLE "mock_provider_users" ALTER COLUMN "created_at" SET DEFAULT app_now();--> statement-breakpoint
ALTER TABLE "outbox" ALTER COLUMN "created_at" SET DEFAULT app_now();--> statement-breakpoint
ALTER TABLE "password_resets" ALTER COLUMN "created_at" SET DEFAULT app_now();--> statement-breakpoint
ALTER TABLE "payees" ALTER COLUMN "created_at" SET DEFAULT app_now();--> statement-breakpoint
ALTER TABLE "recovery_codes" ALTER COLUMN "created_at" SET DEFAULT app_now();--> statement-breakpoint
ALTER TABLE "recovery_requests" ALTER COLUMN "created_at" SET DEFAULT app_now();--> statement-breakpoint
ALTER TABLE "remembered_devices" ALTER COLUMN "created_at" SET DEFAULT app_now();--> statement-breakpoint
ALTER TABLE "sessions" ALTER COLUMN "created_at" SET DEFAULT app_now();--> statement-breakpoint
ALTER TABLE "sessions" ALTER COLUMN "last_seen_at" SET DEFAULT app_now();--> statement-breakpoint
ALTER TABLE "settings" ALTER COLUMN "updated_at" SET DEFAULT app_now();--> statement-breakpoint
ALTER TABLE "sign_in_alerts" ALTER COLUMN "created_at" SET DEFAULT app_now();--> statement-breakpoint
ALTER TABLE "step_up_grants" ALTER COLUMN "created_at" SET DEFAULT app_now();--> statement-breakpoint
ALTER TABLE "transfers" ALTER COLUMN "created_at" SET DEFAULT app_now();--> statement-breakpoint
ALTER TABLE "unlock_links" ALTER COLUMN "created_at" SET DEFAULT app_now();--> statement-breakpoint
ALTER TABLE "users" ALTER COLUMN "password_changed_at" SET DEFAULT app_now();--> statement-breakpoint
ALTER TABLE "users" ALTER COLUMN "created_at" SET DEFAULT app_now();--> statement-breakpoint
ALTER TABLE "webauthn_challenges" ALTER COLUMN "created_at" SET DEFAULT app_now();--> statement-breakpoint
ALTER TABLE "webauthn_credentials" ALTER COLUMN "created_at" SET DEFAULT app_now();