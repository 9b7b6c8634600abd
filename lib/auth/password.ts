import { hash, verify } from "@node-rs/argon2";

// argon2id, m = 19 MiB, t = 2, p = 1: OWASP's minimum recommendation (and the library default).
const params = { memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, params);
}

let dummyHash: Promise<string> | undefined;

/**
 * Verifies against the stored hash, or — for an unknown user — against a dummy hash, so an
 * unknown username costs the same time as a wrong password.
 */
export async function verifyPassword(storedHash: string | null | undefined, password: string): Promise<boolean> {
  if (!storedHash) {
    dummyHash ??= hashPassword("dummy password for timing equality");
    await verify(await dummyHash, password).catch(() => false);
    return false;
  }
  try {
    return await verify(storedHash, password);
  } catch {
    return false;
  }
}
