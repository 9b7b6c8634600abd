import type { Metadata } from "next";
import { TransferForm } from "@/components/bank/transfer-form";
import { TransferList } from "@/components/bank/transfer-list";
import { Card, formatMoney, PageHeader } from "@/components/ui";
import { requireUser } from "@/lib/auth/current";
import { listAccounts, listPayees, listTransfers } from "@/lib/bank/queries";
import { getDb } from "@/lib/db";
import { getSettings } from "@/lib/settings";

export const metadata: Metadata = { title: "Transfer" };

export default async function TransferPage() {
  const session = await requireUser();
  const db = await getDb();
  const [accounts, payees, history, settings] = await Promise.all([
    listAccounts(db, session.userId),
    listPayees(db, session.userId),
    listTransfers(db, session.userId, { limit: 20 }),
    getSettings(db),
  ]);
  return (
    <>
      <PageHeader
        title="Transfer money"
        subtitle={`Over ${formatMoney(settings.stepUpAmountMinor)}, or to a payee added in the last ${settings.newPayeeHours} hours, we ask for your second factor. Over ${formatMoney(settings.blockAmountMinor)}, please call us.`}
      />
      <div className="grid grid-cols-1 gap-6 lg:grid-cols-2">
        <Card>
          <TransferForm accounts={accounts} payees={payees.map((p) => ({ id: p.id, name: p.name, number: p.number }))} />
        </Card>
        <Card>
          <h2 className="mb-2 text-lg font-semibold">History</h2>
          <TransferList lines={history} />
        </Card>
      </div>
    </>
  );
}
