import { handleClockRequest } from "@/lib/clock";
import { getDb } from "@/lib/db";
import { getEnv } from "@/lib/env";

export const dynamic = "force-dynamic";

/** The test clock (lib/clock.ts): read or move it forward. Answers 404 unless APP_ENV=test. */
async function handle(req: Request): Promise<Response> {
  return handleClockRequest(req, getEnv(), getDb);
}

export const GET = handle;
export const POST = handle;
