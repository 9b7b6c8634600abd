import { handleStart } from "@/lib/mfa/redirect/routes";

export const dynamic = "force-dynamic";

/** The way out to a redirect-based provider: 303 with the bank's signed request (lib/mfa/redirect/routes.ts). */
export const GET = handleStart;
