CREATE TABLE "mfa_providers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"credential_prefix" text NOT NULL,
	"base_url" text,
	"client_id" text NOT NULL,
	"client_secret_enc" text NOT NULL,
	"unique_name_attribute" text DEFAULT 'username' NOT NULL,
	"capabilities" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"timeout_ms" integer DEFAULT 5000 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "mfa_providers_prefix_no_colon" CHECK ("mfa_providers"."credential_prefix" ~ '^[a-z0-9_-]{1,32}$'),
	CONSTRAINT "mfa_providers_timeout_range" CHECK ("mfa_providers"."timeout_ms" between 100 and 30000)
);
--> statement-breakpoint
CREATE TABLE "mock_provider_clients" (
	"client_id" text PRIMARY KEY NOT NULL,
	"secret_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "mock_provider_targets" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"capability" text NOT NULL,
	"address" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "mock_provider_tokens" (
	"token_hash" text PRIMARY KEY NOT NULL,
	"client_id" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "mock_provider_transactions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"client_id" text NOT NULL,
	"user_id" uuid NOT NULL,
	"target_id" uuid NOT NULL,
	"capability" text NOT NULL,
	"status" text DEFAULT 'PENDING' NOT NULL,
	"code_hash" text,
	"message" text,
	"number_to_match" integer,
	"choices" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"completed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "mock_provider_users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"unique_name" text NOT NULL,
	"display_name" text DEFAULT '' NOT NULL,
	"push_timeout_seconds" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "settings" ADD COLUMN "sign_in_target_types" jsonb DEFAULT '["mobile_push","sms_otp","voice_otp","email_otp"]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "settings" ADD COLUMN "step_up_target_types" jsonb DEFAULT '["mobile_push","sms_otp","voice_otp","email_otp"]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "settings" ADD COLUMN "push_timeout_seconds" integer DEFAULT 120 NOT NULL;--> statement-breakpoint
ALTER TABLE "mock_provider_targets" ADD CONSTRAINT "mock_provider_targets_user_id_mock_provider_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."mock_provider_users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mock_provider_transactions" ADD CONSTRAINT "mock_provider_transactions_user_id_mock_provider_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."mock_provider_users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mock_provider_transactions" ADD CONSTRAINT "mock_provider_transactions_target_id_mock_provider_targets_id_fk" FOREIGN KEY ("target_id") REFERENCES "public"."mock_provider_targets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "mfa_providers_prefix_key" ON "mfa_providers" USING btree ("credential_prefix");--> statement-breakpoint
CREATE INDEX "mock_provider_targets_user_idx" ON "mock_provider_targets" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "mock_provider_tokens_expires_idx" ON "mock_provider_tokens" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "mock_provider_transactions_user_idx" ON "mock_provider_transactions" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "mock_provider_users_unique_name_key" ON "mock_provider_users" USING btree ("unique_name");--> statement-breakpoint
ALTER TABLE "settings" ADD CONSTRAINT "settings_push_timeout_range" CHECK ("settings"."push_timeout_seconds" between 5 and 600);