import { formatDate, formatMoney } from "@/components/ui";

type Line = {
  id: string;
  amountMinor: number;
  memo: string;
  createdAt: Date;
  fromAccountId: string;
  fromName: string;
  toAccountId: string | null;
  toName: string;
};

/** Shown from one account's side when `accountId` is given (money in is positive). */
export function TransferList({ lines, accountId }: { lines: Line[]; accountId?: string }) {
  if (lines.length === 0) return <p className="text-sm text-muted">No transfers yet.</p>;
  return (
    <ul className="divide-y divide-line">
      {lines.map((t) => {
        const incoming = accountId ? t.toAccountId === accountId : false;
        return (
          <li key={t.id} className="flex items-center justify-between gap-4 py-3 text-sm">
            <div className="min-w-0">
              {/* Wrapped, never cut: a reference is the payer's own words, and on a phone it is long. */}
              <p className="break-words font-medium">
                {t.fromName} → {t.toName}
              </p>
              <p className="break-words text-muted">
                {formatDate(t.createdAt)}
                {t.memo ? ` · ${t.memo}` : ""}
              </p>
            </div>
            <span className={incoming ? "shrink-0 whitespace-nowrap font-semibold text-ok" : "shrink-0 whitespace-nowrap font-semibold"}>
              {incoming ? "+" : "−"}
              {formatMoney(t.amountMinor)}
            </span>
          </li>
        );
      })}
    </ul>
  );
}
