import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { Alert, Button, Card } from "@/components/ui";
import { getDb } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { checkRequest, type AuthorizationRequest } from "@/mock-provider/redirect";

// same-origin: the address (with the signed request) never leaves as a Referer, and the decision form still carries its Origin.
export const metadata: Metadata = { title: { absolute: "Approve a request · Mock Verify" }, referrer: "same-origin" };
export const dynamic = "force-dynamic";

type Search = Promise<{ client_id?: string | string[]; request?: string | string[] }>;

const ASKED: Record<AuthorizationRequest["purpose"], string> = {
  sign_in: "MFA Bank asks you to confirm this sign-in",
  password_reset: "MFA Bank asks you to confirm this password reset",
  step_up: "MFA Bank asks you to approve this",
};

/**
 * The mock provider's own page for a redirect-based request. It shows nothing until
 * the request's signature checks out against the bank's published key (mock-provider/redirect.ts):
 * then who is asked, and exactly what — the words the bank signed ("Transfer €1,500.00 to City
 * Lettings ••6789") — with Approve, Deny, and a way back without answering. It exists only where
 * the mock provider does (not in production unless MOCK_PROVIDER_ENABLED=1).
 */
export default async function AuthorizePage({ searchParams }: { searchParams: Search }) {
  if (!getEnv().mockProviderEnabled) notFound();
  const params = await searchParams;
  const one = (v: string | string[] | undefined) => (typeof v === "string" ? v : undefined);
  const checked = await checkRequest(await getDb(), one(params.client_id), one(params.request));
  return (
    <main id="main" tabIndex={-1} className="mx-auto max-w-md px-4 py-10 outline-none">
      <p className="mb-4 text-sm font-semibold tracking-wide text-emerald-800">
        <span aria-hidden="true">◆ </span>Mock Verify <span className="font-normal text-muted">· the in-app demo provider</span>
      </p>
      <Card>
        {checked.ok ? (
          <>
            <h1 className="text-xl font-semibold">{ASKED[checked.request.purpose]}</h1>
            <p className="mt-2 text-sm text-muted">
              Signed in here as <strong className="text-ink">{checked.displayName}</strong> ({checked.request.sub}).
            </p>
            <p data-testid="provider-asks" className="mt-4 rounded-lg bg-emerald-50 px-3 py-3 text-lg font-medium text-emerald-900">
              {checked.request.txn_text}
            </p>
            <p className="mt-3 text-sm text-muted">Only approve if you started this yourself, just now. If you did not, deny it.</p>
            <form method="post" action="/mock-provider/api/redirect/decision" className="mt-6 space-y-3">
              <input type="hidden" name="client_id" value={checked.request.client_id} />
              <input type="hidden" name="request" value={one(params.request)} />
              <div className="grid grid-cols-2 gap-3">
                <Button type="submit" name="decision" value="approve">
                  Approve
                </Button>
                <Button type="submit" name="decision" value="deny" kind="secondary">
                  Deny
                </Button>
              </div>
              <Button type="submit" name="decision" value="cancel" kind="link" className="w-full">
                Cancel and go back to MFA Bank
              </Button>
            </form>
          </>
        ) : (
          <>
            <h1 className="text-xl font-semibold">This request was refused</h1>
            <div className="mt-4">
              <Alert kind="error">{checked.reason}</Alert>
            </div>
            <p className="mt-4 text-sm text-muted">Nothing was approved. Go back to MFA Bank and start again.</p>
          </>
        )}
      </Card>
    </main>
  );
}
