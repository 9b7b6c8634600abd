import type { Metadata } from "next";
import { GroupProfileForm, SettingsForm } from "@/components/admin/settings-forms";
import { Card, PageHeader } from "@/components/ui";
import { listGroupProfiles } from "@/lib/admin/settings";
import { requireAdmin } from "@/lib/auth/current";
import { getDb } from "@/lib/db";
import { allFactors } from "@/lib/mfa/registry";
import { getSettings } from "@/lib/settings";

export const metadata: Metadata = { title: "Settings" };

/** Minor units → the decimal string the form shows and parses back ("100000" → "1000.00"). */
function decimal(minor: number): string {
  return `${Math.trunc(minor / 100)}.${String(minor % 100).padStart(2, "0")}`;
}

export default async function SettingsPage() {
  await requireAdmin();
  const db = await getDb();
  const [s, groups] = await Promise.all([getSettings(db), listGroupProfiles(db)]);
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
              backoffBaseMs: s.backoffBaseMs,
              backoffMaxMs: s.backoffMaxMs,
              mfaTokenLifetimeMinutes: s.mfaTokenLifetimeMinutes,
              stepUpAmount: decimal(s.stepUpAmountMinor),
              blockAmount: decimal(s.blockAmountMinor),
              newPayeeHours: s.newPayeeHours,
            }}
          />
        </Card>
        <section aria-labelledby="profiles-title" className="space-y-4">
          <h2 id="profiles-title" className="text-lg font-semibold">Group MFA profiles</h2>
          <div className="grid gap-6 lg:grid-cols-2">
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
