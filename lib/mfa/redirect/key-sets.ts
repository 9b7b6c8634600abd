import "server-only";
import { createLocalJWKSet, errors as joseErrors, type JSONWebKeySet, type JWTVerifyGetKey } from "jose";

/**
 * A redirect provider's public keys (its JWKS), fetched over HTTPS and kept per provider and URL.
 *
 * jose verifies against the set (`createLocalJWKSet`); this module only decides when to fetch:
 * on first use, again once the copy is older than `MAX_AGE_MS`, and once more when a token names
 * a key the copy lacks — a provider that rotated its keys — but at most once per `COOLDOWN_MS`,
 * so a stream of tokens with made-up key ids cannot make the bank hammer the provider.
 * (RFC 7517 key sets; the refetch-on-unknown-kid rule is the one OpenID Connect Core §10.1.1
 * describes for signing-key rotation.)
 *
 * Both windows are measured on the bank's clock — the `nowMs` its caller read in the statement
 * that claimed the trip (lib/clock.ts) — not on the process's own, so they move with every other
 * time decision (a test run moves the clock instead of waiting out the cooldown). What is kept
 * here is public keys only: losing it costs one fetch, and two instances each keep their own.
 */
export const COOLDOWN_MS = 30_000;
export const MAX_AGE_MS = 10 * 60_000;
/** A JWKS is a few keys; a provider answering megabytes is refused before it is parsed. */
const MAX_JWKS_BYTES = 64 * 1024;

type Copy = { keys: JSONWebKeySet; fetchedAtMs: number };
const copies = new Map<string, Copy>();
const fetching = new Map<string, Promise<Copy>>();

/** The provider's JWKS endpoint failed us: unreachable, slow, or not answering a key set. */
export class KeySetUnavailable extends Error {}

async function download(url: string, timeoutMs: number): Promise<JSONWebKeySet> {
  let res: Response;
  try {
    res = await fetch(url, { redirect: "error", signal: AbortSignal.timeout(timeoutMs), headers: { accept: "application/json" } });
  } catch (err) {
    if (err instanceof Error && err.name === "TimeoutError") throw new joseErrors.JWKSTimeout();
    throw new KeySetUnavailable(`JWKS unreachable (${err instanceof Error ? err.message : "fetch failed"})`);
  }
  if (res.status !== 200) throw new KeySetUnavailable(`JWKS answered HTTP ${res.status}`);
  const text = await res.text();
  if (text.length > MAX_JWKS_BYTES) throw new KeySetUnavailable("JWKS too large");
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new KeySetUnavailable("JWKS is not JSON");
  }
  const keys = (body as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === "object" && k !== null && !Array.isArray(k))) {
    throw new KeySetUnavailable("JWKS has no key list");
  }
  return { keys } as JSONWebKeySet;
}

/** One fetch per provider at a time: callers arriving meanwhile share it. */
function refresh(cacheKey: string, url: string, timeoutMs: number, nowMs: number): Promise<Copy> {
  let pending = fetching.get(cacheKey);
  if (!pending) {
    pending = download(url, timeoutMs)
      .then((keys) => {
        const copy = { keys, fetchedAtMs: nowMs };
        copies.set(cacheKey, copy);
        return copy;
      })
      .finally(() => fetching.delete(cacheKey));
    fetching.set(cacheKey, pending);
  }
  return pending;
}

/** The key lookup jose's `jwtVerify` calls, for a provider's remote JWKS at the bank's time `nowMs`. */
export function remoteKeySet(providerId: string, url: string, timeoutMs: number, nowMs: number): JWTVerifyGetKey {
  const cacheKey = `${providerId}|${url}`;
  return async (header, token) => {
    let copy = copies.get(cacheKey);
    // A clock that ran backwards (a real-clock run after a moved one) counts as stale.
    const age = (c: Copy) => nowMs - c.fetchedAtMs;
    if (!copy || age(copy) >= MAX_AGE_MS || age(copy) < 0) copy = await refresh(cacheKey, url, timeoutMs, nowMs);
    try {
      return await createLocalJWKSet(copy.keys)(header, token);
    } catch (err) {
      if (!(err instanceof joseErrors.JWKSNoMatchingKey) || age(copy) < COOLDOWN_MS) throw err;
      copy = await refresh(cacheKey, url, timeoutMs, nowMs);
      return createLocalJWKSet(copy.keys)(header, token);
    }
  };
}

/** For tests: forget every fetched key set. */
export function clearKeySets() {
  copies.clear();
}
