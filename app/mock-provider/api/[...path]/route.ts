import { getDb } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { handleProviderRequest } from "@/mock-provider/handler";

export const dynamic = "force-dynamic";

type Ctx = { params: Promise<{ path: string[] }> };

/** The mock provider's contract endpoints (docs/PROVIDER-CONTRACT.md). Absent in production. */
async function handle(req: Request, { params }: Ctx): Promise<Response> {
  if (!getEnv().mockProviderEnabled) return new Response(JSON.stringify({ error: "not_found" }), { status: 404 });
  const { path } = await params;
  return handleProviderRequest(await getDb(), req, path);
}

export const GET = handle;
export const POST = handle;
