CREATE TABLE "recovery_requests" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"message" text NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"ip" text,
	"user_agent" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"decided_at" timestamp with time zone,
	"decided_by" uuid,
	"decided_by_label" text,
	"decision_reason" text
);
--> statement-breakpoint
CREATE TABLE "unlock_links" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"token_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	"voided_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "groups" ADD COLUMN "self_unlock" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "end_notice_shown_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "recovery_requests" ADD CONSTRAINT "recovery_requests_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "unlock_links" ADD CONSTRAINT "unlock_links_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "recovery_requests_one_open_key" ON "recovery_requests" USING btree ("user_id") WHERE "recovery_requests"."status" = 'open';--> statement-breakpoint
CREATE INDEX "recovery_requests_status_created_idx" ON "recovery_requests" USING btree ("status","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "unlock_links_token_hash_key" ON "unlock_links" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "unlock_links_user_idx" ON "unlock_links" USING btree ("user_id");--> statement-breakpoint
-- Staff accounts are unlocked by another administrator, never by mail.
UPDATE "groups" SET "self_unlock" = false WHERE "id" = 'staff';
