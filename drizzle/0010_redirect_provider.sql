CREATE TABLE "mock_provider_authorizations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"client_id" text NOT NULL,
	"subject" text NOT NULL,
	"purpose" text NOT NULL,
	"txn_hash" text NOT NULL,
	"txn_text" text NOT NULL,
	"state" text NOT NULL,
	"nonce" text NOT NULL,
	"code_challenge" text NOT NULL,
	"redirect_uri" text NOT NULL,
	"decision" text,
	"code_hash" text,
	"created_at" timestamp with time zone DEFAULT app_now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"code_used_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "mock_provider_keys" (
	"kid" text PRIMARY KEY NOT NULL,
	"private_jwk" jsonb NOT NULL,
	"public_jwk" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT app_now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "redirect_challenges" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"challenge_id" uuid NOT NULL,
	"session_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"provider_id" uuid NOT NULL,
	"factor" text NOT NULL,
	"purpose" text NOT NULL,
	"subject" text NOT NULL,
	"txn_hash" text NOT NULL,
	"txn_text" text NOT NULL,
	"state_hash" text NOT NULL,
	"nonce" text NOT NULL,
	"code_verifier_enc" text NOT NULL,
	"return_to" text,
	"status" text DEFAULT 'pending' NOT NULL,
	"verdict" text,
	"reason" text,
	"created_at" timestamp with time zone DEFAULT app_now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"completed_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "mfa_providers" ADD COLUMN "type" text DEFAULT 'standard' NOT NULL;--> statement-breakpoint
ALTER TABLE "mfa_providers" ADD COLUMN "redirect_issuer" text;--> statement-breakpoint
ALTER TABLE "mfa_providers" ADD COLUMN "authorize_url" text;--> statement-breakpoint
ALTER TABLE "mfa_providers" ADD COLUMN "token_url" text;--> statement-breakpoint
ALTER TABLE "mfa_providers" ADD COLUMN "jwks_url" text;--> statement-breakpoint
ALTER TABLE "mfa_providers" ADD COLUMN "jwks" jsonb;--> statement-breakpoint
ALTER TABLE "mock_provider_clients" ADD COLUMN "jwks_uri" text;--> statement-breakpoint
ALTER TABLE "mock_provider_clients" ADD COLUMN "redirect_uri" text;--> statement-breakpoint
ALTER TABLE "redirect_challenges" ADD CONSTRAINT "redirect_challenges_challenge_id_challenges_id_fk" FOREIGN KEY ("challenge_id") REFERENCES "public"."challenges"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "redirect_challenges" ADD CONSTRAINT "redirect_challenges_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "redirect_challenges" ADD CONSTRAINT "redirect_challenges_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "redirect_challenges" ADD CONSTRAINT "redirect_challenges_provider_id_mfa_providers_id_fk" FOREIGN KEY ("provider_id") REFERENCES "public"."mfa_providers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "mock_provider_authorizations_code_key" ON "mock_provider_authorizations" USING btree ("code_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "redirect_challenges_state_key" ON "redirect_challenges" USING btree ("state_hash");--> statement-breakpoint
CREATE INDEX "redirect_challenges_challenge_idx" ON "redirect_challenges" USING btree ("challenge_id");--> statement-breakpoint
CREATE INDEX "redirect_challenges_session_idx" ON "redirect_challenges" USING btree ("session_id");--> statement-breakpoint
-- The commercial provider group may also use its provider's redirect factor ("mock:redirect"):
-- it is offered only while the provider's type is redirect (lib/mfa/factors/external-redirect.ts),
-- so switching the provider's type in the admin console switches its customers over.
UPDATE "groups" SET "sign_in_factors" = '["mock:redirect"]'::jsonb || "sign_in_factors",
                    "step_up_factors" = '["mock:redirect"]'::jsonb || "step_up_factors"
 WHERE "id" = 'commercial_ext' AND NOT ("sign_in_factors" ? 'mock:redirect');
