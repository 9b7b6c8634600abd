import type { Metadata } from "next";
import Link from "next/link";
import { FactorChooser } from "@/components/mfa/factor-chooser";
import { MfaPanel } from "@/components/mfa/mfa-panel";
import { RegisterPanel } from "@/components/mfa/register-panel";
import { PresenceForm } from "@/components/security/presence-form";
import { RegistrationActions } from "@/components/security/registration-actions";
import { Alert, Card, formatDate, PageHeader } from "@/components/ui";
import { NewPasswordForm } from "@/components/auth/new-password-form";
import { factorUser, requireUser } from "@/lib/auth/current";
import { getDb } from "@/lib/db";
import { openChallenge } from "@/lib/mfa/challenges";
import { backupFactors, groupRequiresMfa, registerOffers, registrableFactors, registrationsOf, usableFactors, verifyOffers } from "@/lib/mfa/registry";
import { changePassword, registerFactor, verifyPresence } from "./actions";

export const metadata: Metadata = { title: "Security" };

/**
 * The user's methods, from the registry: every registration with its name, the methods the
 * group allows adding, the backup factors, and the password. Changes need presence (the
 * password, then a second factor, within 5 minutes): checked again in every action.
 */
export default async function SecurityPage({ searchParams }: { searchParams: Promise<{ enrolled?: string }> }) {
  const session = await requireUser();
  const { enrolled } = await searchParams;
  const db = await getDb();
  const user = factorUser(session);
  const [registrations, required, registrable] = await Promise.all([
    registrationsOf(db, session.userId),
    groupRequiresMfa(db, session.groupId),
    registrableFactors(db, user),
  ]);
  const primaries = registrations.filter((r) => r.factor.primary);
  const hasMfa = primaries.length > 0;
  const present = session.passwordFresh && (!hasMfa || session.mfaFresh);
  const needsSecondStep = session.passwordFresh && hasMfa && !session.mfaFresh;

  const addable = present ? registrable.filter((f) => f.primary) : [];
  const addFactors = await registerOffers(db, user, addable);
  const backups = await Promise.all(
    backupFactors().map(async (f) => ({ factor: f, data: hasMfa ? await f.registerData(db, user) : null, canRegister: registrable.includes(f) })),
  );
  // Presence step 2: any factor the group allows for step-up, each with data for this challenge.
  const presence = needsSecondStep
    ? await (async () => {
        const challenge = await openChallenge(db, { sessionId: session.id, userId: session.userId, purpose: "step_up", key: "presence" });
        return { challengeId: challenge.id, factors: await verifyOffers(db, user, await usableFactors(db, user, "step_up"), challenge) };
      })()
    : null;

  return (
    <>
      <PageHeader title="Security" subtitle="Your password and two-step verification methods." />
      {enrolled ? (
        <Alert kind="ok" className="mb-6">
          Two-step verification is on. Now create recovery codes, so you can still sign in if you lose your phone.
        </Alert>
      ) : null}
      {!present ? (
        <Card className="mb-6">
          <h2 className="text-lg font-semibold">Confirm it&apos;s you to make changes</h2>
          <p className="mb-4 mt-1 text-sm text-muted">
            Adding, renaming or removing a method, or creating recovery codes, needs your password{hasMfa ? " and your second step" : ""} from the last 5 minutes.
          </p>
          {presence ? (
            <div className="max-w-md">
              <p className="mb-4 text-sm">Your password is confirmed. Now the second step:</p>
              <MfaPanel challengeId={presence.challengeId} factors={presence.factors} action={verifyPresence} />
            </div>
          ) : (
            <div className="max-w-md">
              <PresenceForm />
            </div>
          )}
        </Card>
      ) : null}
      <div className="grid grid-cols-1 gap-6 lg:grid-cols-2">
        <Card>
          <h2 className="text-lg font-semibold">Two-step verification</h2>
          {primaries.length === 0 ? (
            <p className="mt-2 text-sm text-muted">No method set up yet.</p>
          ) : (
            <ul className="mt-3 divide-y divide-line" aria-label="Your methods">
              {primaries.map(({ factor, registration: r }) => (
                <li key={r.id} className="flex flex-col gap-3 py-3">
                  <div className="min-w-0 text-sm">
                    <p className="font-medium">{r.name}</p>
                    {r.name !== factor.name || r.detail ? (
                      <p className="text-muted">{[r.name !== factor.name ? factor.name : null, r.detail].filter(Boolean).join(" · ")}</p>
                    ) : null}
                    <p className="text-muted">
                      Added {r.activatedAt ? formatDate(r.activatedAt) : "—"} · Last used {r.lastUsedAt ? formatDate(r.lastUsedAt) : "never"}
                    </p>
                  </div>
                  {present ? (
                    <RegistrationActions
                      key={`${r.id}:${r.name}`}
                      registrationId={r.id}
                      name={r.name}
                      removeBlocked={primaries.length === 1 && required ? "Your bank requires two-step verification, so your only method cannot be removed." : undefined}
                      addHref={addFactors.length ? "#add-method" : undefined}
                    />
                  ) : null}
                </li>
              ))}
            </ul>
          )}
          {addFactors.length ? (
            <div id="add-method" className="mt-6 scroll-mt-4 border-t border-line pt-6">
              <h3 className="sr-only">Add a method</h3>
              <FactorChooser factors={addFactors} action={registerFactor} legend="Add a method" />
            </div>
          ) : !present && registrable.some((f) => f.primary) ? (
            <p className="mt-4 text-sm text-muted">To add a method, confirm it&apos;s you first.</p>
          ) : null}
        </Card>

        {backups.map(({ factor, data, canRegister }) => (
          <Card key={factor.id}>
            <h2 className="text-lg font-semibold">{factor.registerTitle}</h2>
            {data ? (
              <div className="mt-3">
                <RegisterPanel factorId={factor.id} data={data} action={registerFactor} readOnly={!present || !canRegister} />
              </div>
            ) : (
              <p className="mt-2 text-sm text-muted">Set up a two-step verification method first.</p>
            )}
          </Card>
        ))}

        <Card className="lg:col-span-2">
          <h2 className="text-lg font-semibold">Devices and sign-ins</h2>
          <p className="mt-1 text-sm text-muted">See where you are signed in, sign out other devices, and check the sign-ins of the last 30 days.</p>
          <p className="mt-3 text-sm">
            <Link href="/security/activity" className="font-medium text-brand-700 underline-offset-4 hover:underline">
              Devices and sign-ins →
            </Link>
          </p>
        </Card>

        <Card className="lg:col-span-2">
          <h2 className="text-lg font-semibold">Password</h2>
          {hasMfa && !session.mfaFresh ? (
            <p className="mt-2 text-sm text-muted">To change your password, first confirm it&apos;s you above.</p>
          ) : (
            <div className="mt-4 max-w-md">
              <NewPasswordForm action={changePassword} current submitLabel="Change password" />
            </div>
          )}
        </Card>
      </div>
    </>
  );
}
