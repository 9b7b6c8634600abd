import "server-only";
import { hkdfSync } from "node:crypto";
import { base64url, calculateJwkThumbprint, EncryptJWT, jwtDecrypt, type JWTPayload } from "jose";

/**
 * Reads the Auth.js session cookie on every request (lib/auth/current.ts), and writes it at
 * every sign-in step, without deriving its key every time. Auth.js's own `decode` (next-auth/jwt) runs HKDF and a SHA-512 JWK
 * thumbprint per call — the same two results for every request of the process — and its API
 * takes no key, so it cannot cache them. This is the same check, with the key
 * derived once per (secret, salt, enc):
 *
 * - JWE compact, `alg: "dir"`, `enc` A256CBC-HS512 (what Auth.js writes) or A256GCM (what it
 *   also accepts);
 * - key = HKDF-SHA256(secret, salt = the cookie name, info = "Auth.js Generated Encryption Key
 *   (<salt>)"), 64 or 32 bytes;
 * - a `kid`, when present, must be the key's JWK thumbprint (SHA-512 / SHA-256 by key size);
 * - `exp`/`nbf` with 15 s of clock tolerance.
 *
 * Writing is Auth.js's `encode`, byte for byte in structure: `alg: "dir"`, A256CBC-HS512, the
 * key's thumbprint as `kid`, `iat`, `exp`, a random `jti`.
 *
 * lib/auth/session-cookie.test.ts decodes what Auth.js's `encode` writes, has Auth.js's
 * `decode` read what we write, and refuses what Auth.js refuses, so an Auth.js upgrade that
 * changes the format fails a unit test, not sign-in.
 */

const ENCS = { "A256CBC-HS512": 64, "A256GCM": 32 } as const;
type Enc = keyof typeof ENCS;

const keys = new Map<string, Promise<{ key: Uint8Array; kid: string }>>();

function keyFor(secret: string, salt: string, enc: Enc) {
  const id = `${enc}\0${salt}\0${secret}`;
  let k = keys.get(id);
  if (!k) {
    const key = new Uint8Array(hkdfSync("sha256", secret, salt, `Auth.js Generated Encryption Key (${salt})`, ENCS[enc]));
    k = calculateJwkThumbprint({ kty: "oct", k: base64url.encode(key) }, key.byteLength === 64 ? "sha512" : "sha256").then((kid) => ({
      key,
      kid,
    }));
    keys.set(id, k);
  }
  return k;
}

/** The cookie's payload, or null for anything that is not a valid, unexpired cookie of ours. */
export async function decodeSessionCookie(token: string, secret: string, salt: string): Promise<JWTPayload | null> {
  try {
    const { payload } = await jwtDecrypt(
      token,
      async ({ kid, enc }) => {
        if (enc !== "A256CBC-HS512" && enc !== "A256GCM") throw new Error("unsupported enc");
        const k = await keyFor(secret, salt, enc as Enc);
        if (kid !== undefined && kid !== k.kid) throw new Error("no matching key");
        return k.key;
      },
      { clockTolerance: 15, keyManagementAlgorithms: ["dir"], contentEncryptionAlgorithms: ["A256CBC-HS512", "A256GCM"] },
    );
    return payload;
  } catch {
    return null;
  }
}

/** The cookie value for a payload: what Auth.js's `encode` writes, with the cached key. */
export async function encodeSessionCookie(payload: JWTPayload, secret: string, salt: string, maxAgeSeconds: number): Promise<string> {
  const enc: Enc = "A256CBC-HS512";
  const { key, kid } = await keyFor(secret, salt, enc);
  return new EncryptJWT(payload)
    .setProtectedHeader({ alg: "dir", enc, kid })
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + maxAgeSeconds)
    .setJti(crypto.randomUUID())
    .encrypt(key);
}
