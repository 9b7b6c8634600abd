import { bankJwks } from "@/lib/mfa/redirect/bank-key";

export const dynamic = "force-dynamic";

/**
 * The bank's public signing key (JWKS): a redirect-based provider fetches it to check the
 * requests the bank signs (lib/mfa/redirect/bank-key.ts). Public data; cacheable for a while.
 */
export async function GET(): Promise<Response> {
  let jwks: Awaited<ReturnType<typeof bankJwks>>;
  try {
    jwks = await bankJwks();
  } catch (err) {
    // Production without BANK_SIGNING_KEY: no redirect provider can be used, and nothing to publish.
    console.error(`[mfa] ${(err as Error).message}`);
    return new Response(JSON.stringify({ error: "not_configured" }), { status: 404, headers: { "content-type": "application/json", "cache-control": "no-store" } });
  }
  return new Response(JSON.stringify(jwks), {
    status: 200,
    headers: { "content-type": "application/jwk-set+json", "cache-control": "public, max-age=300" },
  });
}
