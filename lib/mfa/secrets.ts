import "server-only";
import { open, seal } from "@/lib/crypto";
import { getEnv } from "@/lib/env";

// A factor's secret is sealed to its own row id: a ciphertext copied to another row won't open.
export function sealFactorSecret(factorId: string, secret: string): string {
  return seal(secret, getEnv().encryptionKey, `factor:${factorId}`);
}

export function openFactorSecret(factorId: string, sealed: string): string {
  return open(sealed, getEnv().encryptionKey, `factor:${factorId}`);
}
