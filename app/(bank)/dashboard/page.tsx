import type { Metadata } from "next";
import Link from "next/link";
import { TransferList } from "@/components/bank/transfer-list";
import { Alert, Card, formatMoney, PageHeader } from "@/components/ui";
import { requireUser } from "@/lib/auth/current";
import { dashboardOf } from "@/lib/bank/queries";
import { getDb } from "@/lib/db";
import { FEW_RECOVERY_CODES } from "@/lib/mfa/factors/recovery";

export const metadata: Metadata = { title: "Accounts" };

export default async function DashboardPage() {
  const session = await requireUser();
  // One read for the page: accounts, the latest transfers, recovery codes left.
  const { accounts, recent, codesLeft } = await dashboardOf(await getDb(), session, 8);
  const total = accounts.reduce((sum, a) => sum + a.balanceMinor, 0);
  return (
    <>
      <PageHeader title={`Hello, ${session.displayName}`} subtitle={`Total balance ${formatMoney(total)}`} />
      {codesLeft !== null && <RecoveryCodesLeft left={codesLeft} />}
      <section aria-label="Your accounts" className="grid grid-cols-1 gap-4 sm:grid-cols-2 lg:grid-cols-3">
        {accounts.map((a) => (
          <Link key={a.id} href={`/accounts/${a.id}`} className="group">
            <Card className="transition group-hover:border-brand-500">
              <p className="text-sm text-muted">{a.name}</p>
              <p className="mt-1 text-2xl font-semibold tabular-nums">{formatMoney(a.balanceMinor, a.currency)}</p>
              <p className="mt-2 font-mono text-xs text-muted">{a.number}</p>
            </Card>
          </Link>
        ))}
      </section>
      <Card className="mt-8">
        <h2 className="mb-2 text-lg font-semibold">Recent transfers</h2>
        <TransferList lines={recent} />
      </Card>
    </>
  );
}

/** After a sign-in with a recovery code: how many are left, and a new set when few are. */
function RecoveryCodesLeft({ left }: { left: number }) {
  const newSet = (
    <Link href="/security" className="font-medium underline underline-offset-4">
      make a new set on the Security page
    </Link>
  );
  if (left === 0) {
    return (
      <Alert kind="warn" className="mb-6">
        You signed in with your last recovery code. Please {newSet}, so you can still sign in if you lose your phone.
      </Alert>
    );
  }
  const codes = left === 1 ? "1 recovery code" : `${left} recovery codes`;
  if (left <= FEW_RECOVERY_CODES) {
    return (
      <Alert kind="warn" className="mb-6">
        You signed in with a recovery code. Only {codes} left: {newSet} before you run out.
      </Alert>
    );
  }
  return (
    <Alert kind="info" className="mb-6">
      You signed in with a recovery code. You have {codes} left; each one works once.
    </Alert>
  );
}
