import type { Metadata } from "next";
import { and, eq } from "drizzle-orm";
import { RegisterPanel } from "@/components/mfa/register-panel";
import { PresenceForm } from "@/components/security/presence-form";
import { RemoveFactorButton } from "@/components/security/remove-factor-button";
import { Alert, Card, formatDate, PageHeader } from "@/components/ui";
import { factorUser, requireUser } from "@/lib/auth/current";
import { getDb } from "@/lib/db";
import { factors } from "@/lib/db/schema";
import { remainingRecoveryCodes } from "@/lib/mfa/factors/recovery";
import { getFactor, groupRequiresMfa, usableFactors } from "@/lib/mfa/registry";
import { NewPasswordForm } from "@/components/auth/new-password-form";
import { changePassword, registerFactor } from "./actions";

export const metadata: Metadata = { title: "Security" };

export default async function SecurityPage({ searchParams }: { searchParams: Promise<{ enrolled?: string }> }) {
  const session = await requireUser();
  const { enrolled } = await searchParams;
  const db = await getDb();
  const user = factorUser(session);
  // Columns chosen explicitly: the sealed secret never leaves lib/.
  const active = await db
    .select({ id: factors.id, type: factors.type, label: factors.label, activatedAt: factors.activatedAt, lastUsedAt: factors.lastUsedAt })
    .from(factors)
    .where(and(eq(factors.userId, session.userId), eq(factors.status, "active")));
  const [remaining, required, stepUpFactors] = await Promise.all([
    remainingRecoveryCodes(db, session.userId),
    groupRequiresMfa(db, session.groupId),
    usableFactors(db, user, "step_up"),
  ]);
  const hasMfa = active.length > 0;
  const present = session.passwordFresh && (!hasMfa || session.mfaFresh);
  const totp = getFactor("totp")!;
  const canAddTotp = present && (await totp.userCanRegister(db, user));
  const totpData = canAddTotp ? await totp.registerData(db, user) : null;

  return (
    <>
      <PageHeader title="Security" subtitle="Your password and two-step verification methods." />
      {enrolled ? (
        <Alert kind="ok" className="mb-6">
          Two-step verification is on. Now create recovery codes, so you can still sign in if you lose your phone.
        </Alert>
      ) : null}
      <div className="grid grid-cols-1 gap-6 lg:grid-cols-2">
        <Card>
          <h2 className="text-lg font-semibold">Two-step verification</h2>
          {active.length === 0 ? (
            <p className="mt-2 text-sm text-muted">No method set up yet.</p>
          ) : (
            <ul className="mt-3 divide-y divide-line" aria-label="Your methods">
              {active.map((f) => {
                const plugin = getFactor(f.type);
                const lastOne = active.length === 1 && required;
                return (
                  <li key={f.id} className="flex flex-wrap items-center justify-between gap-3 py-3">
                    <div className="text-sm">
                      <p className="font-medium">{plugin?.name ?? f.type}</p>
                      <p className="text-muted">
                        Added {f.activatedAt ? formatDate(f.activatedAt) : "—"} · Last used {f.lastUsedAt ? formatDate(f.lastUsedAt) : "never"}
                      </p>
                    </div>
                    {present ? (
                      <RemoveFactorButton
                        factorId={f.type}
                        name={plugin?.name ?? f.type}
                        disabledReason={lastOne ? "Your bank requires a method: add another before removing this one." : undefined}
                      />
                    ) : null}
                  </li>
                );
              })}
            </ul>
          )}
          {totpData ? (
            <div className="mt-6 border-t border-line pt-6">
              <h3 className="mb-3 font-semibold">{totp.registerTitle}</h3>
              <RegisterPanel factorId="totp" data={totpData} action={registerFactor} />
            </div>
          ) : null}
        </Card>

        <Card>
          <h2 className="text-lg font-semibold">Recovery codes</h2>
          <p className="mt-2 text-sm">
            <span data-testid="recovery-remaining">{remaining}</span> unused recovery code{remaining === 1 ? "" : "s"}.
          </p>
          {hasMfa && remaining <= 3 ? (
            <Alert kind="warn" className="mt-3">
              {remaining === 0 ? "You have no recovery codes." : "You are running low on recovery codes."} Generate new ones and keep them somewhere safe.
            </Alert>
          ) : null}
          {present && hasMfa ? (
            <div className="mt-4">
              <RegisterPanel factorId="recovery" data={{ remaining }} action={registerFactor} />
            </div>
          ) : null}
          {!hasMfa ? <p className="mt-2 text-sm text-muted">Set up an authenticator app first.</p> : null}
        </Card>

        <Card className="lg:col-span-2">
          <h2 className="text-lg font-semibold">Password</h2>
          {hasMfa && !session.mfaFresh ? (
            <p className="mt-2 text-sm text-muted">To change your password, first confirm it&apos;s you below.</p>
          ) : (
            <div className="mt-4 max-w-md">
              <NewPasswordForm action={changePassword} current submitLabel="Change password" />
            </div>
          )}
        </Card>

        {!present ? (
          <Card className="lg:col-span-2">
            <h2 className="text-lg font-semibold">Confirm it&apos;s you to make changes</h2>
            <p className="mb-4 mt-1 text-sm text-muted">
              Adding or removing a method, or creating recovery codes, needs your password{hasMfa ? " and a code" : ""} from the last 5 minutes.
            </p>
            <PresenceForm
              needsCode={hasMfa && !session.mfaFresh}
              factors={stepUpFactors.map((f) => ({ id: f.id, name: f.name }))}
            />
          </Card>
        ) : null}
      </div>
    </>
  );
}
