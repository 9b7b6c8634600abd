import { handleCallback } from "@/lib/mfa/redirect/routes";

export const dynamic = "force-dynamic";

/** The way back from a redirect-based provider: state, code exchange, verified result, counted attempt (lib/mfa/redirect/routes.ts). */
export const GET = handleCallback;
