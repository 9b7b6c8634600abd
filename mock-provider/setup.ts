import "server-only";
import type { DbOrTx } from "@/lib/db";
import { sha256 } from "@/lib/crypto";
import { ensureMockSigningKey } from "./keys";
import { mockProviderClients, mockProviderTargets, mockProviderUsers } from "./schema";

/**
 * The mock provider's side of setting up a demo or a test run: its OAuth clients, its users and
 * their delivery targets, its first signing key. The only part of this folder the bank's seed
 * and test pool call — the way a real provider's admin console would be used, out of band.
 */

export { ensureMockSigningKey };

export type MockTarget = { capability: "mobile_push" | "sms_otp" | "voice_otp" | "email_otp"; address: string };

/** Registers a client at the mock (only the secret's SHA-256 is kept). null URIs = the in-app bank's defaults. */
export async function registerMockClient(
  db: DbOrTx,
  client: { clientId: string; secret: string; jwksUri?: string | null; redirectUri?: string | null },
): Promise<void> {
  await db.insert(mockProviderClients).values({
    clientId: client.clientId,
    secretHash: sha256(client.secret),
    ...(client.jwksUri !== undefined ? { jwksUri: client.jwksUri } : {}),
    ...(client.redirectUri !== undefined ? { redirectUri: client.redirectUri } : {}),
  });
}

/**
 * Enrols a user at the mock with these targets. A user already enrolled is left as it is
 * (targets included), so a re-seed adds nothing.
 */
export async function enrolMockUser(
  db: DbOrTx,
  user: { uniqueName: string; displayName: string; pushTimeoutSeconds?: number | null },
  targets: MockTarget[],
): Promise<void> {
  const [mu] = await db
    .insert(mockProviderUsers)
    .values({ uniqueName: user.uniqueName, displayName: user.displayName, pushTimeoutSeconds: user.pushTimeoutSeconds ?? null })
    .onConflictDoNothing()
    .returning({ id: mockProviderUsers.id });
  if (mu) await db.insert(mockProviderTargets).values(targets.map((t) => ({ userId: mu.id, ...t })));
}
