import "server-only";
import fs from "node:fs";
import path from "node:path";
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from "jose";
import { getEnv } from "@/lib/env";

/**
 * The bank's key for signing what it sends to a redirect-based provider: the
 * request object on the way out. ES256 only. The private key comes from BANK_SIGNING_KEY (a
 * private JWK, JSON); a local run without it generates one once into the data folder, beside
 * the other development secrets (lib/env.ts). Production refuses to send anyone to a redirect
 * provider without it. The public half is published as a JWKS at /api/jwks, where a provider
 * fetches it (as an OIDC provider fetches a client's `jwks_uri`, RFC 7591).
 */
export const BANK_ALG = "ES256";

type BankKey = { kid: string; privateKey: CryptoKey; publicJwk: JWK };
let cached: Promise<BankKey> | undefined;

const privateJwkOk = (j: unknown): j is JWK =>
  !!j && typeof j === "object" && (j as JWK).kty === "EC" && (j as JWK).crv === "P-256" && typeof (j as JWK).d === "string";

async function localKey(dataDir: string): Promise<JWK> {
  const file = path.join(dataDir, "bank-signing-key.json");
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as JWK;
  } catch {
    const { privateKey } = await generateKeyPair(BANK_ALG, { extractable: true });
    const jwk = await exportJWK(privateKey);
    fs.mkdirSync(dataDir, { recursive: true });
    try {
      fs.writeFileSync(file, JSON.stringify(jwk), { mode: 0o600, flag: "wx" });
      console.warn(`[mfa-bank] BANK_SIGNING_KEY not set: generated a development signing key in ${file}. Set it for a real deployment.`);
      return jwk;
    } catch {
      // Another process wrote it first: use theirs, so both sign with the one published key.
      return JSON.parse(fs.readFileSync(file, "utf8")) as JWK;
    }
  }
}

async function load(): Promise<BankKey> {
  const env = getEnv();
  const raw = process.env.BANK_SIGNING_KEY;
  let jwk: unknown;
  if (raw) {
    try {
      jwk = JSON.parse(raw);
    } catch {
      throw new Error("BANK_SIGNING_KEY must be a private EC P-256 JWK (JSON).");
    }
  } else if (env.appEnv === "production") {
    throw new Error("APP_ENV=production requires BANK_SIGNING_KEY (a private EC P-256 JWK) for redirect-based providers.");
  } else {
    jwk = await localKey(env.dataDir);
  }
  if (!privateJwkOk(jwk)) throw new Error("BANK_SIGNING_KEY must be a private EC P-256 JWK (kty EC, crv P-256, with d).");
  const { d: _d, ...pub } = jwk;
  void _d;
  const publicJwk: JWK = { kty: pub.kty, crv: pub.crv, x: pub.x, y: pub.y };
  const kid = await calculateJwkThumbprint(publicJwk);
  const privateKey = (await importJWK({ ...jwk, alg: BANK_ALG }, BANK_ALG)) as CryptoKey;
  return { kid, privateKey, publicJwk: { ...publicJwk, kid, alg: BANK_ALG, use: "sig" } };
}

export function bankSigningKey(): Promise<BankKey> {
  cached ??= load().catch((err) => {
    cached = undefined;
    throw err;
  });
  return cached;
}

/** The bank's public JWKS (what /api/jwks serves). */
export async function bankJwks(): Promise<{ keys: JWK[] }> {
  return { keys: [(await bankSigningKey()).publicJwk] };
}
