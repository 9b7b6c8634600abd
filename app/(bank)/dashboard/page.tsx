import type { Metadata } from "next";
import Link from "next/link";
import { TransferList } from "@/components/bank/transfer-list";
import { Card, formatMoney, PageHeader } from "@/components/ui";
import { requireUser } from "@/lib/auth/current";
import { listAccounts, listTransfers } from "@/lib/bank/queries";
import { getDb } from "@/lib/db";

export const metadata: Metadata = { title: "Accounts" };

export default async function DashboardPage() {
  const session = await requireUser();
  const db = await getDb();
  const [accounts, recent] = await Promise.all([listAccounts(db, session.userId), listTransfers(db, session.userId, { limit: 8 })]);
  const total = accounts.reduce((sum, a) => sum + a.balanceMinor, 0);
  return (
    <>
      <PageHeader title={`Hello, ${session.displayName}`} subtitle={`Total balance ${formatMoney(total)}`} />
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
