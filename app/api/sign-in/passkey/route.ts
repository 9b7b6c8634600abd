import { signInWithPasskey } from "@/app/(auth)/login/actions";
import { scriptEndpoint } from "@/lib/http/script-endpoint";

/** Passkey sign-in, step two (the assertion), for the page's script: the action's state as JSON, no page rendered (lib/http/script-endpoint.ts). */
export const POST = scriptEndpoint(signInWithPasskey);
