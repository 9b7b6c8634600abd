import type { Metadata } from "next";
import { AddPayeeForm, RemovePayeeButton } from "@/components/bank/payee-forms";
import { Card, formatDate, PageHeader } from "@/components/ui";
import { requireUser } from "@/lib/auth/current";
import { listPayees } from "@/lib/bank/queries";
import { getDb } from "@/lib/db";

export const metadata: Metadata = { title: "Payees" };

export default async function PayeesPage() {
  const session = await requireUser();
  const payees = await listPayees(await getDb(), session.userId);
  return (
    <>
      <PageHeader title="Payees" subtitle="Adding a payee always asks for your second factor." />
      <div className="grid grid-cols-1 gap-6 lg:grid-cols-2">
        <Card>
          <h2 className="mb-3 text-lg font-semibold">Your payees</h2>
          {payees.length === 0 ? <p className="text-sm text-muted">No payees yet.</p> : null}
          <ul className="divide-y divide-line" aria-label="Your payees">
            {payees.map((p) => (
              <li key={p.id} className="flex items-center justify-between gap-3 py-3 text-sm">
                <div>
                  <p className="font-medium">{p.name}</p>
                  <p className="font-mono text-xs text-muted">
                    {p.number} · added {formatDate(p.createdAt)}
                  </p>
                </div>
                <RemovePayeeButton payeeId={p.id} name={p.name} />
              </li>
            ))}
          </ul>
        </Card>
        <Card>
          <h2 className="mb-3 text-lg font-semibold">Add a payee</h2>
          <AddPayeeForm />
        </Card>
      </div>
    </>
  );
}
