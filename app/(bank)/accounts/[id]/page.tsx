import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { z } from "zod";
import { TransferList } from "@/components/bank/transfer-list";
import { Card, formatMoney, PageHeader } from "@/components/ui";
import { requireUser } from "@/lib/auth/current";
import { getAccount, listTransfers } from "@/lib/bank/queries";
import { getDb } from "@/lib/db";

export const metadata: Metadata = { title: "Account" };

export default async function AccountPage({ params }: { params: Promise<{ id: string }> }) {
  const session = await requireUser();
  const { id } = await params;
  // Someone else's account and a malformed id look the same: 404.
  if (!z.uuid().safeParse(id).success) notFound();
  const db = await getDb();
  const account = await getAccount(db, session.userId, id);
  if (!account) notFound();
  const lines = await listTransfers(db, session.userId, { accountId: account.id, limit: 50 });
  return (
    <>
      <PageHeader title={account.name} subtitle={<span className="font-mono">{account.number}</span>} />
      <Card>
        <p className="text-sm text-muted">Available balance</p>
        <p className="mt-1 text-3xl font-semibold tabular-nums">{formatMoney(account.balanceMinor, account.currency)}</p>
      </Card>
      <Card className="mt-6">
        <h2 className="mb-2 text-lg font-semibold">Transfers</h2>
        <TransferList lines={lines} accountId={account.id} />
      </Card>
    </>
  );
}
