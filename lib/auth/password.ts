import os from "node:os";
import { hash, verify } from "@node-rs/argon2";

// argon2id, m = 19 MiB, t = 2, p = 1: OWASP's minimum recommendation (and the library default).
const params = { memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

/**
 * At most one argon2 computation per core at a time. More in flight cannot finish sooner (each
 * is CPU-bound), but each holds its 19 MiB and competes with the event loop for the cores: libuv's
 * four threads on a 2-core machine raised peak memory by ~40 MB under a sign-in burst and slowed
 * every other request. Waiting callers queue in order; this is scheduling, not security state.
 */
const slots = Math.max(1, os.availableParallelism());
let running = 0;
const queue: (() => void)[] = [];

async function limited<T>(work: () => Promise<T>): Promise<T> {
  if (running >= slots) await new Promise<void>((resolve) => queue.push(resolve));
  else running++;
  try {
    return await work();
  } finally {
    const next = queue.shift();
    if (next) next(); // the slot passes straight to the next caller
    else running--;
  }
}

export function hashPassword(password: string): Promise<string> {
  return limited(() => hash(password, params));
}

let dummyHash: Promise<string> | undefined;

/**
 * Verifies against the stored hash, or — for an unknown user — against a dummy hash, so an
 * unknown username costs the same time as a wrong password.
 */
export async function verifyPassword(storedHash: string | null | undefined, password: string): Promise<boolean> {
  if (!storedHash) {
    dummyHash ??= hashPassword("dummy password for timing equality");
    const dummy = await dummyHash;
    await limited(() => verify(dummy, password)).catch(() => false);
    return false;
  }
  try {
    return await limited(() => verify(storedHash, password));
  } catch {
    return false;
  }
}
