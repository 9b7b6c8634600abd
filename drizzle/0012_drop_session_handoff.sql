DROP INDEX "sessions_handoff_hash_key";--> statement-breakpoint
ALTER TABLE "sessions" DROP COLUMN "handoff_hash";