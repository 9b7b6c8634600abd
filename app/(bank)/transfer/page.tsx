import type { Metadata } from "next";
import { TransferForm } from "@/components/bank/transfer-form";
import { TransferList } from "@/components/bank/transfer-list";
import { Card, formatMoney, PageHeader } from "@/components/ui";
import { requireUser } from "@/lib/auth/current";
import { transferPageOf } from "@/lib/bank/queries";
import { getDb } from "@/lib/db";

export const metadata: Metadata = { title: "Transfer" };

export default async function TransferPage() {
  const session = await requireUser();
  // One read for the page: accounts, payees, the latest transfers, the step-up rule's figures.
  const { accounts, payees, recent: history, rule: settings } = await transferPageOf(await getDb(), session.userId, 20);
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
