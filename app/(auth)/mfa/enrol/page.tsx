import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { FactorChooser } from "@/components/mfa/factor-chooser";
import { SignOutButton } from "@/components/sign-out-button";
import { Card } from "@/components/ui";
import { factorUser, getCurrentSession } from "@/lib/auth/current";
import { safeCallbackUrl } from "@/lib/auth/sign-in";
import { getDb } from "@/lib/db";
import { registerOffers, registrableFactors } from "@/lib/mfa/registry";
import { enrolFirstFactor } from "../actions";

export const metadata: Metadata = { title: "Set up two-step verification" };

/** Registration required: reached right after the password, before anything else. */
export default async function EnrolPage({ searchParams }: { searchParams: Promise<{ callbackUrl?: string | string[] }> }) {
  const { callbackUrl } = await searchParams;
  const next = safeCallbackUrl(Array.isArray(callbackUrl) ? callbackUrl[0] : callbackUrl);
  const session = await getCurrentSession();
  if (!session) redirect("/login");
  if (session.mfaState === "pending") redirect(`/mfa?callbackUrl=${encodeURIComponent(next)}`);
  if (session.mfaState !== "enrol") redirect(next);
  const db = await getDb();
  const user = factorUser(session);
  // What the group's sign-in profile allows and the user can set up, each with its own data.
  const offered = (await registrableFactors(db, user, "sign_in")).filter((f) => f.primary);
  const factors = await registerOffers(db, user, offered);
  return (
    <Card>
      <h1 className="text-xl font-semibold">Set up two-step verification</h1>
      <p className="mb-6 mt-1 text-sm text-muted">
        Your bank requires a second step for every sign-in. Set one up now to continue.
      </p>
      {factors.length ? (
        <FactorChooser factors={factors} action={enrolFirstFactor} extra={{ callbackUrl: next }} legend="How do you want to confirm it's you?" headingLevel={2} />
      ) : (
        <p className="text-sm">No method can be set up for your account here. Please contact the bank.</p>
      )}
      <div className="mt-6 flex items-center justify-between border-t border-line pt-4 text-sm text-muted">
        <span>Not now?</span>
        <SignOutButton />
      </div>
    </Card>
  );
}
