import { verifySignIn } from "@/app/(auth)/mfa/actions";
import { scriptEndpoint } from "@/lib/http/script-endpoint";

/** The sign-in's second step, for the code step's script: the action's state as JSON, no page rendered (lib/http/script-endpoint.ts). */
export const POST = scriptEndpoint(verifySignIn);
