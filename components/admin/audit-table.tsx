import { Badge, Table, td, th } from "@/components/admin/ui";
import { formatDate } from "@/components/ui";
import type { AuditRow } from "@/lib/admin/audit";
import { getFactor } from "@/lib/mfa/registry";

const OUTCOME = { ok: "ok", failed: "danger", refused: "warn" } as const;

// jsonb stores keys sorted by length: put the ones a reader looks for first back in front.
const FIRST = ["reason", "provider", "field", "old", "new", "group", "username"];
const rank = (k: string) => (FIRST.includes(k) ? FIRST.indexOf(k) : FIRST.length);

/** A factor's name for people ("Authenticator app"), never its id ("totp"); an unknown id as it is. */
const factorName = (v: unknown) => (typeof v === "string" ? (getFactor(v)?.name ?? v) : v);
const FACTOR_KEYS = new Set(["factor", "lastFactor"]);
const FACTOR_LISTS = new Set(["signInFactors", "stepUpFactors"]);

/**
 * Factor ids shown by name: a single factor, and a group profile's old and new factor lists.
 * Only on screen: the CSV export keeps the stored ids for machines.
 */
function humanise(d: Record<string, unknown>): Record<string, unknown> {
  const names = (v: unknown) => (Array.isArray(v) ? v.map(factorName).join(", ") || "none" : factorName(v));
  return Object.fromEntries(
    Object.entries(d).map(([k, v]) => [
      k,
      FACTOR_KEYS.has(k) ? factorName(v) : (k === "old" || k === "new") && FACTOR_LISTS.has(String(d.field)) ? names(v) : v,
    ]),
  );
}

/** Details as short "key: value" pairs; values are text (React escapes them). */
function detailsText(d: Record<string, unknown>): string {
  return Object.entries(humanise(d))
    .sort(([a], [b]) => rank(a) - rank(b))
    .map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" · ");
}

export function AuditTable({ events, label }: { events: AuditRow[]; label: string }) {
  if (events.length === 0) return <p className="text-sm text-muted">No events.</p>;
  return (
    <Table aria-label={label}>
      <thead>
        <tr>
          <th className={th} scope="col">Time (UTC)</th>
          <th className={th} scope="col">Action</th>
          <th className={th} scope="col">Outcome</th>
          <th className={th} scope="col">Actor</th>
          <th className={th} scope="col">Subject</th>
          <th className={th} scope="col">IP</th>
          <th className={th} scope="col">Details</th>
        </tr>
      </thead>
      <tbody>
        {events.map((e) => (
          <tr key={e.id}>
            <td className={`${td} whitespace-nowrap`}>
              <time dateTime={e.at.toISOString()}>{formatDate(e.at)}</time>
            </td>
            <td className={`${td} font-mono text-xs`}>{e.action}</td>
            <td className={td}>
              <Badge kind={OUTCOME[e.outcome]}>{e.outcome}</Badge>
            </td>
            <td className={td}>{e.actor ?? <span className="text-muted">—</span>}</td>
            <td className={td}>{e.subject ?? <span className="text-muted">—</span>}</td>
            <td className={`${td} font-mono text-xs`}>{e.ip ?? "—"}</td>
            <td className={`${td} max-w-md break-words text-xs text-muted`}>{detailsText(e.details)}</td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}
