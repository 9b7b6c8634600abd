import { createHash } from "node:crypto";
import { sql } from "drizzle-orm";
import { rows, type DbOrTx } from "@/lib/db";

/**
 * "No database change": every table of the app's schema, row by row, before and after the
 * fuzz run. Tables are listed from the database itself, so a new table is compared without
 * anyone remembering to add it here. Only what a refused request legitimately records is
 * left out, each with its reason.
 */
export const NOT_COMPARED: Record<string, string> = {
  // Append-only trail: every refusal (a failed sign-in, a foreign admin call) is audited by design.
  audit_events: "records refused requests by design",
  // Throttling counters move with every sign-in / reset request, including refused ones.
  rate_limits: "throttling counts refused requests by design",
  // A page that offers a passkey ceremony (Security, /mfa) opens a 5-minute, single-use challenge per view.
  webauthn_challenges: "a page view opens a passkey ceremony challenge by design",
};

/** Columns that every authenticated request touches by design. */
const IGNORED_COLUMNS: Record<string, string[]> = {
  // The idle timeout slides with activity (lib/auth/sessions.ts findSession).
  sessions: ["last_seen_at"],
};

export type Snapshot = {
  /** Per row, a hash per column: a change names its columns, and no value is kept in clear. */
  tables: Record<string, { hash: string; rows: Record<string, Record<string, string>> }>;
  skipped: Record<string, string>;
};

const rowKey = (row: Record<string, unknown>) =>
  String(row.id ?? row.client_id ?? row.token_hash ?? row.key ?? JSON.stringify(row).slice(0, 80));

export async function snapshotDatabase(db: DbOrTx): Promise<Snapshot> {
  const names = await rows<{ table_name: string }>(
    db,
    sql`SELECT table_name FROM information_schema.tables
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  const snap: Snapshot = { tables: {}, skipped: {} };
  for (const { table_name: table } of names) {
    if (NOT_COMPARED[table]) {
      snap.skipped[table] = NOT_COMPARED[table];
      continue;
    }
    const drop = IGNORED_COLUMNS[table] ?? [];
    const data = await rows<{ r: Record<string, unknown> }>(db, sql`SELECT to_jsonb(t) AS r FROM ${sql.identifier(table)} t`);
    const byKey: Record<string, Record<string, string>> = {};
    const digest = (v: unknown) => createHash("sha256").update(JSON.stringify(v ?? null)).digest("hex");
    for (const { r } of data) {
      for (const c of drop) delete r[c];
      // Compared by hashes: the snapshot file holds no hash or secret in clear.
      byKey[rowKey(r)] = Object.fromEntries(Object.keys(r).sort().map((c) => [c, digest(r[c])]));
    }
    const hash = createHash("sha256").update(JSON.stringify(Object.entries(byKey).sort())).digest("hex");
    snap.tables[table] = { hash, rows: byKey };
  }
  return snap;
}

/** One line per difference: a table that appeared or vanished, rows added, removed or changed. */
export function compareSnapshots(before: Snapshot, after: Snapshot): string[] {
  const out: string[] = [];
  for (const table of new Set([...Object.keys(before.tables), ...Object.keys(after.tables)])) {
    const b = before.tables[table];
    const a = after.tables[table];
    if (!b || !a) {
      out.push(`${table}: table ${b ? "vanished" : "appeared"}`);
      continue;
    }
    if (a.hash === b.hash) continue;
    const added = Object.keys(a.rows).filter((k) => !(k in b.rows));
    const removed = Object.keys(b.rows).filter((k) => !(k in a.rows));
    const columns = (k: string) => {
      const [x, y] = [b.rows[k]!, a.rows[k]!];
      return [...new Set([...Object.keys(x), ...Object.keys(y)])].filter((c) => x[c] !== y[c]);
    };
    const changed = Object.keys(a.rows)
      .filter((k) => k in b.rows && columns(k).length > 0)
      .map((k) => `${k} (${columns(k).join(", ")})`);
    const few = (ks: string[]) => ks.slice(0, 5).join(", ") + (ks.length > 5 ? ` … (${ks.length})` : "");
    out.push(
      `${table}: ${[added.length && `added ${few(added)}`, removed.length && `removed ${few(removed)}`, changed.length && `changed ${few(changed)}`]
        .filter(Boolean)
        .join("; ")}`,
    );
  }
  return out;
}
