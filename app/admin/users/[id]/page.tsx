import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { z } from "zod";
import { AuditTable } from "@/components/admin/audit-table";
import { BrowserTable } from "@/components/admin/browser-table";
import { Badge } from "@/components/admin/ui";
import { UserActionButton, UserActions } from "@/components/admin/user-actions";
import { Card, formatDate, PageHeader } from "@/components/ui";
import { recentEventsOf } from "@/lib/admin/audit";
import { getUserDetail, listActiveSessions, listUserFactors, recoveryCodeSummary } from "@/lib/admin/users";
import { requireAdmin } from "@/lib/auth/current";
import { listRememberedDevices } from "@/lib/auth/remembered-devices";
import { describeUserAgent } from "@/lib/auth/user-agent";
import { getDb } from "@/lib/db";
import { recoveryFactor } from "@/lib/mfa/factors/recovery";
import { getFactor } from "@/lib/mfa/registry";
import { MESSAGES } from "@/lib/messages";

export const metadata: Metadata = { title: "User" };

const STATES: Record<string, string> = {
  verified: "MFA passed",
  none: "no MFA needed",
  pending: "waiting for MFA",
  enrol: "must enrol",
  reset: "resetting password",
};

export default async function UserPage({ params }: { params: Promise<{ id: string }> }) {
  const admin = await requireAdmin();
  const { id } = await params;
  if (!z.uuid().safeParse(id).success) notFound();
  const db = await getDb();
  const user = await getUserDetail(db, id);
  if (!user) notFound();
  const [factorRows, recovery, sessions, remembered, events] = await Promise.all([
    listUserFactors(db, id),
    recoveryCodeSummary(db, id),
    listActiveSessions(db, id),
    listRememberedDevices(db, id),
    recentEventsOf(db, id),
  ]);
  const who = `${user.displayName} (${user.username})`;
  const self = user.id === admin.userId;

  return (
    <>
      <p className="mb-2 text-sm">
        <Link href="/admin/users" className="text-brand-700 underline-offset-4 hover:underline">← Users</Link>
      </p>
      <PageHeader
        title={user.displayName}
        subtitle={
          <>
            <span className="font-mono">{user.username}</span> · {user.email} · {user.groupName}
            {user.mfaRequired ? " (MFA required)" : " (MFA optional)"} · {user.role}
          </>
        }
        action={
          <UserActions>
            <UserActionButton kind="unlock" userId={user.id} who={who} hidden={!user.locked} />
            <UserActionButton kind="end" userId={user.id} who={who} />
            <UserActionButton
              kind="reset"
              userId={user.id}
              who={who}
              disabledReason={self ? MESSAGES.ownMfaReset : undefined}
            />
          </UserActions>
        }
      />

      <div className="grid grid-cols-1 gap-6 lg:grid-cols-2">
        <Card>
          <h2 className="text-lg font-semibold">Account</h2>
          <dl className="mt-3 grid grid-cols-[auto_1fr] gap-x-6 gap-y-2 text-sm">
            <dt className="text-muted">Status</dt>
            <dd>
              {user.locked ? (
                <>
                  <Badge kind="danger">Locked</Badge>{" "}
                  <span className="text-muted">
                    since {formatDate(user.lockedAt!)}
                    {user.lockedUntil ? `, until ${formatDate(user.lockedUntil)}` : ", until an administrator unlocks"}
                  </span>
                </>
              ) : (
                <Badge kind="ok">Active</Badge>
              )}
            </dd>
            <dt className="text-muted">Failed attempts</dt>
            <dd>{user.failedAttempts}</dd>
            <dt className="text-muted">Last sign-in</dt>
            <dd>{user.lastSignInAt ? formatDate(user.lastSignInAt) : "never"}</dd>
            <dt className="text-muted">Created</dt>
            <dd>{formatDate(user.createdAt)}</dd>
          </dl>
        </Card>

        <Card>
          <h2 className="text-lg font-semibold">Factors</h2>
          {factorRows.length === 0 && recovery.unused === 0 ? (
            <p className="mt-2 text-sm text-muted">No factor set up{user.mfaRequired ? ": they will enrol at their next sign-in." : "."}</p>
          ) : (
            <ul className="mt-2 divide-y divide-line text-sm" aria-label="Factors">
              {factorRows.map((f) => (
                <li key={f.id} className="py-3">
                  <p className="font-medium">
                    {getFactor(f.type)?.name ?? f.type}
                    {f.label !== getFactor(f.type)?.name ? <span className="font-normal text-muted"> · {f.label}</span> : null}{" "}
                    {f.status === "active" ? null : <Badge kind="warn">{f.status}</Badge>}
                  </p>
                  <p className="text-muted">
                    Added {formatDate(f.createdAt)} · Last used {f.lastUsedAt ? formatDate(f.lastUsedAt) : "never"}
                  </p>
                </li>
              ))}
              {recovery.unused > 0 || recovery.createdAt ? (
                <li className="py-3">
                  <p className="font-medium">
                    {recoveryFactor.registerTitle}{" "}
                    <span className="font-normal text-muted">· {recovery.unused} unused</span>
                  </p>
                  <p className="text-muted">
                    Created {recovery.createdAt ? formatDate(recovery.createdAt) : "—"} · Last used{" "}
                    {recovery.lastUsedAt ? formatDate(recovery.lastUsedAt) : "never"}
                  </p>
                </li>
              ) : null}
            </ul>
          )}
        </Card>

        <Card className="lg:col-span-2">
          <h2 className="mb-3 text-lg font-semibold">Active sessions</h2>
          {sessions.length === 0 ? (
            <p className="text-sm text-muted">No active session.</p>
          ) : (
            <BrowserTable
              label="Active sessions"
              columns={["Started", "Last seen", "State"]}
              actions
              rows={sessions.map((s) => ({
                id: s.id,
                cells: [
                  { value: formatDate(s.createdAt), nowrap: true },
                  { value: formatDate(s.lastSeenAt), nowrap: true },
                  { value: STATES[s.mfaState] ?? s.mfaState },
                ],
                ip: s.ip,
                userAgent: s.userAgent,
                device: (
                  <>
                    {s.device.label}
                    {s.id === admin.id ? <span className="block text-muted">(your session)</span> : null}
                  </>
                ),
                action: (
                  <UserActionButton
                    kind="endOne"
                    userId={user.id}
                    sessionId={s.id}
                    who={who}
                    label={`End session: ${s.device.label}, IP address ${s.ip ?? "unknown"}`}
                    detail={`${s.device.label} · IP address ${s.ip ?? "unknown"} · signed in ${formatDate(s.createdAt)} (UTC)`}
                  />
                ),
              }))}
            />
          )}
        </Card>

        <Card className="lg:col-span-2">
          <h2 className="text-lg font-semibold">Remembered browsers</h2>
          <p className="mb-3 mt-1 text-sm text-muted">
            These browsers skip the code at sign-in (never the password, a step-up or an admin action). &ldquo;End sessions&rdquo; and &ldquo;Reset MFA&rdquo; forget them all.
          </p>
          {remembered.length === 0 ? (
            <p className="text-sm text-muted">No remembered browser.</p>
          ) : (
            <BrowserTable
              label="Remembered browsers"
              columns={["Remembered", "Last used", "Until"]}
              rows={remembered.map((d) => ({
                id: d.id,
                cells: [
                  { value: formatDate(d.createdAt), nowrap: true },
                  { value: d.lastUsedAt ? formatDate(d.lastUsedAt) : "not yet", nowrap: true },
                  { value: formatDate(d.expiresAt), nowrap: true },
                ],
                ip: d.ip,
                userAgent: d.userAgent,
                device: describeUserAgent(d.userAgent).label,
              }))}
            />
          )}
        </Card>

        <Card className="lg:col-span-2">
          <div className="mb-3 flex flex-wrap items-baseline justify-between gap-2">
            <h2 className="text-lg font-semibold">Recent audit events</h2>
            <Link href={`/admin/audit?user=${encodeURIComponent(user.username)}`} className="text-sm text-brand-700 underline-offset-4 hover:underline">
              All events of {user.username}
            </Link>
          </div>
          <AuditTable events={events} label="Recent audit events" />
        </Card>
      </div>
    </>
  );
}
