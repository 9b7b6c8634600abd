import "server-only";
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from "jose";
import type { DbOrTx } from "@/lib/db";
import { mockProviderKeys } from "./schema";

export const MOCK_RESULT_ALG = "ES256";

/**
 * Adds a result-signing key to the in-app mock provider: it signs from now on, and
 * older keys stay in its JWKS — key rotation as a client sees it (a `kid` it has not fetched yet).
 * The seed makes the first one, so serving the JWKS never writes.
 */
export async function addMockSigningKey(db: DbOrTx): Promise<string> {
  const { privateKey, publicKey } = await generateKeyPair(MOCK_RESULT_ALG, { extractable: true });
  const pub = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(pub);
  await db
    .insert(mockProviderKeys)
    .values({ kid, privateJwk: { ...(await exportJWK(privateKey)) }, publicJwk: { ...pub, kid, alg: MOCK_RESULT_ALG, use: "sig" } })
    .onConflictDoNothing();
  return kid;
}

/** Its first key, made once (by the seed), so serving the JWKS never writes. */
export async function ensureMockSigningKey(db: DbOrTx): Promise<void> {
  const [key] = await db.select({ kid: mockProviderKeys.kid }).from(mockProviderKeys).limit(1);
  if (!key) await addMockSigningKey(db);
}
