import http from "node:http";
import type { AddressInfo } from "node:net";
import { errors as joseErrors, exportJWK, generateKeyPair, jwtVerify, SignJWT, type CryptoKey, type JWK } from "jose";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { clearKeySets, COOLDOWN_MS, KeySetUnavailable, MAX_AGE_MS, remoteKeySet } from "./key-sets";

/** A provider's JWKS endpoint that counts its fetches; what it publishes and answers is set per test. */
let published: JWK[] = [];
let answer: "ok" | "500" | "not-json" | "no-keys" | "slow" = "ok";
let fetches = 0;
let url = "";
const server = http.createServer((_req, res) => {
  fetches++;
  if (answer === "slow") return void setTimeout(() => res.end("{}"), 500);
  if (answer === "500") return void res.writeHead(500).end("oops");
  res.writeHead(200, { "content-type": "application/json" });
  res.end(answer === "not-json" ? "<html>" : answer === "no-keys" ? "{}" : JSON.stringify({ keys: published }));
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  clearKeySets();
  published = [];
  answer = "ok";
  fetches = 0;
});

async function newKey(kid: string): Promise<{ kid: string; key: CryptoKey; jwk: JWK }> {
  const pair = await generateKeyPair("ES256");
  return { kid, key: pair.privateKey, jwk: { ...(await exportJWK(pair.publicKey)), kid, alg: "ES256" } };
}
const tokenBy = (k: { kid: string; key: CryptoKey }) => new SignJWT({ result: "approved" }).setProtectedHeader({ alg: "ES256", kid: k.kid }).sign(k.key);
/** Verifies `token` with the provider's keys as the bank sees them at `nowMs` on its clock. */
const verifyAt = (token: string, nowMs: number, timeoutMs = 2_000) => jwtVerify(token, remoteKeySet("p1", url, timeoutMs, nowMs));

describe("a provider's JWKS: fetched, kept, refetched for a rotated key at most once per cooldown, on the bank's clock", () => {
  it("is fetched once and then kept", async () => {
    const k1 = await newKey("k1");
    published = [k1.jwk];
    const t0 = 1_000_000;
    await verifyAt(await tokenBy(k1), t0);
    await verifyAt(await tokenBy(k1), t0 + MAX_AGE_MS - 1);
    expect(fetches).toBe(1);
    await verifyAt(await tokenBy(k1), t0 + MAX_AGE_MS); // too old: fetched again
    expect(fetches).toBe(2);
  });

  it("a key published after the last fetch: not looked for within the cooldown, fetched once after it", async () => {
    const k1 = await newKey("k1");
    const k2 = await newKey("k2");
    published = [k1.jwk];
    const t0 = 5_000_000;
    await verifyAt(await tokenBy(k1), t0);
    published = [k1.jwk, k2.jwk];
    // Within the cooldown: the copy is not refreshed, however many unknown kids arrive.
    for (const dt of [0, 1_000, COOLDOWN_MS - 1]) {
      await expect(verifyAt(await tokenBy(k2), t0 + dt)).rejects.toBeInstanceOf(joseErrors.JWKSNoMatchingKey);
    }
    expect(fetches).toBe(1);
    // After it: one fetch finds the rotated key.
    await verifyAt(await tokenBy(k2), t0 + COOLDOWN_MS);
    expect(fetches).toBe(2);
    // A key nobody published: one more fetch only once the cooldown has passed again.
    const stranger = await newKey("k9");
    await expect(verifyAt(await tokenBy(stranger), t0 + COOLDOWN_MS + 1)).rejects.toBeInstanceOf(joseErrors.JWKSNoMatchingKey);
    expect(fetches).toBe(2);
    await expect(verifyAt(await tokenBy(stranger), t0 + 2 * COOLDOWN_MS)).rejects.toBeInstanceOf(joseErrors.JWKSNoMatchingKey);
    expect(fetches).toBe(3);
  });

  it("parallel verifications share one fetch", async () => {
    const k1 = await newKey("k1");
    published = [k1.jwk];
    const token = await tokenBy(k1);
    await Promise.all(Array.from({ length: 10 }, () => verifyAt(token, 42_000)));
    expect(fetches).toBe(1);
  });

  it("another key under a known kid is a bad signature, not a reason to fetch", async () => {
    const k1 = await newKey("k1");
    published = [k1.jwk];
    await verifyAt(await tokenBy(k1), 0);
    const impostor = { ...(await newKey("k1")) };
    await expect(verifyAt(await tokenBy(impostor), COOLDOWN_MS * 2)).rejects.toBeInstanceOf(joseErrors.JWSSignatureVerificationFailed);
    expect(fetches).toBe(1);
  });

  it.each([
    ["an HTTP error", "500", KeySetUnavailable],
    ["not JSON", "not-json", KeySetUnavailable],
    ["no key list", "no-keys", KeySetUnavailable],
    ["too slow", "slow", joseErrors.JWKSTimeout],
  ] as const)("an endpoint answering %s fails as the provider's fault, and keeps nothing", async (_what, how, error) => {
    answer = how;
    const k1 = await newKey("k1");
    await expect(verifyAt(await tokenBy(k1), 0, 200)).rejects.toBeInstanceOf(error);
    answer = "ok";
    published = [k1.jwk];
    await verifyAt(await tokenBy(k1), 1); // the next attempt fetches again: nothing bad was kept
    expect(fetches).toBe(2);
  });
});
