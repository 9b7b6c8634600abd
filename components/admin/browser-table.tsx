import type { ReactNode } from "react";
import { Table, td, th } from "@/components/admin/ui";

/** One browser on the admin's user page: its own columns first, then IP and device (and an action). */
export type BrowserRow = {
  id: string;
  cells: { value: ReactNode; nowrap?: boolean }[];
  ip: string | null;
  userAgent: string | null;
  device: ReactNode;
  action?: ReactNode;
};

/**
 * The shape the admin's user page lists browsers in — active sessions and remembered browsers:
 * the row's own columns, then the IP address and the device (the full user agent as its title).
 */
export function BrowserTable({ label, columns, rows, actions = false }: { label: string; columns: string[]; rows: BrowserRow[]; actions?: boolean }) {
  return (
    <Table aria-label={label}>
      <thead>
        <tr>
          {[...columns, "IP", "Device"].map((c) => (
            <th key={c} className={th} scope="col">
              {c}
            </th>
          ))}
          {actions ? (
            <th className={th} scope="col">
              <span className="sr-only">Actions</span>
            </th>
          ) : null}
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.id}>
            {r.cells.map((c, i) => (
              <td key={i} className={c.nowrap ? `${td} whitespace-nowrap` : td}>
                {c.value}
              </td>
            ))}
            <td className={`${td} font-mono text-xs`}>{r.ip ?? "—"}</td>
            <td className={`${td} text-xs`} title={r.userAgent ?? undefined}>
              {r.device}
            </td>
            {actions ? <td className={td}>{r.action}</td> : null}
          </tr>
        ))}
      </tbody>
    </Table>
  );
}
