import type { Metadata } from "next";
import { GroupProfileForm, ProviderForm, SettingsForm } from "@/components/admin/settings-forms";
import { ProviderResourcesForm, TryTransformPanel, type ResourceOption } from "@/components/admin/provider-resources";
import { mockRedirectDefaults } from "@/lib/mfa/redirect/flow";
import { Card, PageHeader } from "@/components/ui";
import { listProviders } from "@/lib/admin/providers";
import { listGroupProfiles } from "@/lib/admin/group-profiles";
import { TARGET_TYPE_LABELS, TARGET_TYPES } from "@/lib/admin/settings";
import { msAsSeconds } from "@/lib/admin/units";
import { requireAdmin } from "@/lib/auth/current";
import { getDb } from "@/lib/db";
import { allFactors } from "@/lib/mfa/registry";
import { mockProviderBaseUrl } from "@/lib/mfa/provider/config";
import { genericOf, RESOURCE_DEFAULTS, resourceNamesFor, type ResourceName } from "@/lib/mfa/provider/resources";
import { getSettings } from "@/lib/settings";

export const metadata: Metadata = { title: "Settings" };

/** Minor units → the decimal string the form shows and parses back ("100000" → "1000.00"). */
function decimal(minor: number): string {
  return `${Math.trunc(minor / 100)}.${String(minor % 100).padStart(2, "0")}`;
}

const RESOURCE_TITLES: Record<string, string> = {
  enrollments: "list the customer's delivery targets",
  initiate: "send a push or a code",
  validate: "check a code",
  result: "poll a transaction",
  cancel: "cancel a transaction",
};

function resourceOptions(capabilities: string[]): ResourceOption[] {
  return resourceNamesFor(capabilities).map((name: ResourceName) => {
    const generic = genericOf(name);
    const title = name === generic ? RESOURCE_TITLES[name]! : `${name.slice(0, -2)} only: instead of ${generic}`;
    return { name, title, defaults: RESOURCE_DEFAULTS[generic] };
  });
}

export default async function SettingsPage() {
  await requireAdmin();
  const db = await getDb();
  const [s, groups, providers] = await Promise.all([getSettings(db), listGroupProfiles(db), listProviders(db)]);
  const targetTypes = TARGET_TYPES.map((id) => ({ id, name: TARGET_TYPE_LABELS[id] }));
  const factors = allFactors().map((f) => ({ id: f.id, name: f.name, primary: f.primary }));
  return (
    <>
      <PageHeader
        title="Settings"
        subtitle="The bank's MFA policy. Saving a change asks for your second factor and writes the old and new value to the audit log."
      />
      <div className="space-y-6">
        <Card>
          <h2 className="mb-4 text-lg font-semibold">Security policy</h2>
          <SettingsForm
            values={{
              lockoutThreshold: s.lockoutThreshold,
              lockoutDurationMinutes: s.lockoutDurationMinutes,
              backoffBaseSeconds: msAsSeconds(s.backoffBaseMs),
              backoffMaxSeconds: msAsSeconds(s.backoffMaxMs),
              mfaTokenLifetimeMinutes: s.mfaTokenLifetimeMinutes,
              stepUpAmount: decimal(s.stepUpAmountMinor),
              blockAmount: decimal(s.blockAmountMinor),
              newPayeeHours: s.newPayeeHours,
              pushTimeoutSeconds: s.pushTimeoutSeconds,
              signInTargetTypes: s.signInTargetTypes,
              stepUpTargetTypes: s.stepUpTargetTypes,
            }}
            targetTypes={targetTypes}
          />
        </Card>
        <section aria-labelledby="providers-title" className="space-y-4">
          <h2 id="providers-title" className="text-lg font-semibold">Providers</h2>
          <p className="text-sm text-muted">
            External MFA providers (docs/PROVIDER-CONTRACT.md). A disabled provider&apos;s methods are neither offered nor accepted
            from the next request on. The client secret is never shown; moving a provider to another host needs the credentials
            that host issued.
          </p>
          <div className="grid grid-cols-1 gap-6 lg:grid-cols-2">
            {providers.map((p) => (
              <Card key={p.id}>
                <h3 className="mb-3 font-semibold">
                  {p.name} <span className="font-mono text-xs font-normal text-muted">{p.credentialPrefix}</span>
                </h3>
                <ProviderForm provider={p} mockBaseUrl={mockProviderBaseUrl()} mockRedirect={mockRedirectDefaults()} />
              </Card>
            ))}
          </div>
        </section>
        <section aria-labelledby="resources-title" className="space-y-4">
          <h2 id="resources-title" className="text-lg font-semibold">Provider resources and transforms</h2>
          <p className="text-sm text-muted">
            How the bank calls each provider, resource by resource (docs/PROVIDER-CONTRACT.md, &ldquo;Resources and
            transforms&rdquo;). A capability&apos;s own resource, like sms_otp_2, replaces the generic one for that capability.
          </p>
          {providers.map((p) => {
            const options = resourceOptions(p.capabilities);
            return (
              <Card key={p.id}>
                <h3 className="mb-3 font-semibold">
                  {p.name} <span className="font-mono text-xs font-normal text-muted">{p.credentialPrefix}</span>
                </h3>
                <div className="grid grid-cols-1 gap-6 lg:grid-cols-[3fr_2fr]">
                  <ProviderResourcesForm provider={p} resources={options} />
                  <TryTransformPanel resources={options} providerName={p.name} />
                </div>
              </Card>
            );
          })}
        </section>
        <section aria-labelledby="profiles-title" className="space-y-4">
          <h2 id="profiles-title" className="text-lg font-semibold">Group MFA profiles</h2>
          <div className="grid grid-cols-1 gap-6 lg:grid-cols-2">
            {groups.map((g) => (
              <Card key={g.id}>
                <h3 className="mb-3 font-semibold">
                  {g.name} <span className="font-mono text-xs font-normal text-muted">{g.id}</span>
                </h3>
                <GroupProfileForm group={g} factors={factors} />
              </Card>
            ))}
          </div>
        </section>
      </div>
    </>
  );
}
