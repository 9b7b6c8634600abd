import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { z } from "zod";
import { AuditTable } from "@/components/admin/audit-table";
import { RequestStatusBadge } from "@/components/admin/recovery-status";
import { UserActionButton, UserActions } from "@/components/admin/user-actions";
import { Card, formatDate, PageHeader } from "@/components/ui";
import { signInHistoryOf } from "@/lib/admin/audit";
import { getUserDetail } from "@/lib/admin/users";
import { requireAdmin } from "@/lib/auth/current";
import { getDb } from "@/lib/db";
import { getRecoveryRequest } from "@/lib/mfa/recovery-requests";
import { MESSAGES } from "@/lib/messages";

export const metadata: Metadata = { title: "Recovery request" };

export default async function RecoveryRequestPage({ params }: { params: Promise<{ id: string }> }) {
  const admin = await requireAdmin();
  const { id } = await params;
  if (!z.uuid().safeParse(id).success) notFound();
  const db = await getDb();
  const request = await getRecoveryRequest(db, id);
  if (!request) notFound();
  const [user, history] = await Promise.all([getUserDetail(db, request.userId), signInHistoryOf(db, request.userId)]);
  if (!user) notFound();
  const who = `${user.displayName} (${user.username})`;
  const self = user.id === admin.userId;
  return (
    <>
      <p className="mb-2 text-sm">
        <Link href="/admin/recovery-requests" className="text-brand-700 underline-offset-4 hover:underline">← Recovery requests</Link>
      </p>
      <PageHeader
        title={`Recovery request from ${user.displayName}`}
        subtitle={
          <>
            <Link href={`/admin/users/${user.id}`} className="font-mono text-brand-700 underline-offset-4 hover:underline">
              {user.username}
            </Link>{" "}
            · {user.email} · {user.groupName}
          </>
        }
        action={
          // Hidden once decided; <UserActions> keeps the result of the action that decided it on screen.
          <UserActions>
            <UserActionButton
              kind="reset"
              userId={user.id}
              who={who}
              hidden={request.status !== "open"}
              disabledReason={self ? MESSAGES.ownMfaReset : undefined}
            />
            <UserActionButton kind="decline" userId={user.id} who={who} hidden={request.status !== "open"} />
          </UserActions>
        }
      />
      <div className="grid grid-cols-1 gap-6 lg:grid-cols-2">
        <Card>
          <h2 className="text-lg font-semibold">The request</h2>
          <dl className="mt-3 grid grid-cols-[auto_1fr] gap-x-6 gap-y-2 text-sm">
            <dt className="text-muted">Status</dt>
            <dd>
              <RequestStatusBadge status={request.status} />
            </dd>
            <dt className="text-muted">Received</dt>
            <dd>{formatDate(request.createdAt)} UTC</dd>
            <dt className="text-muted">They wrote</dt>
            <dd className="whitespace-pre-wrap break-words">{request.message}</dd>
            <dt className="text-muted">From</dt>
            <dd className="break-words">
              {request.ip ?? "unknown address"}
              {request.userAgent ? <span className="block text-xs text-muted">{request.userAgent}</span> : null}
            </dd>
            {request.decidedAt ? (
              <>
                <dt className="text-muted">Decided</dt>
                <dd>
                  {formatDate(request.decidedAt)} UTC by {request.decidedByLabel}
                  {request.decisionReason ? <span className="block whitespace-pre-wrap break-words text-muted">{request.decisionReason}</span> : null}
                </dd>
              </>
            ) : null}
          </dl>
        </Card>
        <Card>
          <h2 className="text-lg font-semibold">Before you decide</h2>
          <ul className="mt-3 list-disc space-y-1 pl-5 text-sm text-muted">
            <li>Call the customer on the phone number the bank already holds, not one from the request.</li>
            <li>Look below for sign-ins from places they don&apos;t recognise, and for failures they did not make.</li>
            <li>
              Reset MFA removes every method and ends every session; they set it up again at their next sign-in. Declining leaves
              everything as it is and e-mails them your reason.
            </li>
          </ul>
          <p className="mt-3 text-sm">
            Account: {user.locked ? "locked" : "not locked"} · {user.failedAttempts} failed attempt{user.failedAttempts === 1 ? "" : "s"} in a row ·
            last sign-in {user.lastSignInAt ? formatDate(user.lastSignInAt) : "never"}
          </p>
        </Card>
      </div>
      <Card className="mt-6">
        <h2 className="mb-3 text-lg font-semibold">Recent sign-ins and failures</h2>
        <AuditTable events={history} label="Recent sign-ins and failures" />
      </Card>
    </>
  );
}
