import "server-only";
import { and, eq } from "drizzle-orm";
import type { DbOrTx } from "@/lib/db";
import { mfaProviders, type MfaProvider } from "@/lib/db/schema";
import { open, seal } from "@/lib/crypto";
import { getEnv } from "@/lib/env";
import type { ProviderEndpoint } from "./client";
import { parseStoredResources } from "./resources";

/** The base URL of this app's own mock provider: the default when a provider row names none. */
export function mockProviderBaseUrl(): string {
  return `${getEnv().appUrl}/mock-provider/api`;
}

// A client secret is sealed to its provider row: a ciphertext copied to another row won't open.
export function sealClientSecret(providerId: string, secret: string): string {
  return seal(secret, getEnv().encryptionKey, `provider:${providerId}`);
}

export async function findProvider(db: DbOrTx, credentialPrefix: string): Promise<MfaProvider | null> {
  const [row] = await db
    .select()
    .from(mfaProviders)
    .where(and(eq(mfaProviders.credentialPrefix, credentialPrefix), eq(mfaProviders.enabled, true)));
  return row ?? null;
}

export function endpointOf(p: MfaProvider): ProviderEndpoint {
  return {
    id: p.id,
    baseUrl: (p.baseUrl ?? mockProviderBaseUrl()).replace(/\/$/, ""),
    clientId: p.clientId,
    clientSecret: open(p.clientSecretEnc, getEnv().encryptionKey, `provider:${p.id}`),
    timeoutMs: p.timeoutMs,
    resources: parseStoredResources(p.resources),
  };
}
