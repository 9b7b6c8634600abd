import { signInWithPassword } from "@/app/(auth)/login/actions";
import { scriptEndpoint } from "@/lib/http/script-endpoint";

/** The password step, for the sign-in form's script: the action's state as JSON, no page rendered (lib/http/script-endpoint.ts). */
export const POST = scriptEndpoint(signInWithPassword);
