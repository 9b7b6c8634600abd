import { bankJwks } from "@/lib/mfa/redirect/bank-key";

export const dynamic = "force-dynamic";

/**
 * The bank's public signing key (JWKS): a redirect-based provider fetches it to check the
 * requests the bank signs (lib/mfa/redirect/bank-key.ts). Public data; cacheable for a while.
 */
export async function GET(): Promise<Response> {
  return new Response(JSON.stringify(await bankJwks()), {
    status: 200,
    headers: { "content-type": "application/jwk-set+json", "cache-control": "public, max-age=300" },
  });
}
