import type { Metadata } from "next";
import Link from "next/link";
import { SessionList } from "@/components/security/session-list";
import { Card, formatDate, PageHeader } from "@/components/ui";
import { RememberedList } from "@/components/security/remembered-list";
import { listRememberedDevices } from "@/lib/auth/remembered-devices";
import { signInHistoryOf, type SignInHistoryRow } from "@/lib/admin/audit";
import { requireUser } from "@/lib/auth/current";
import { listActiveSessions } from "@/lib/auth/security-centre";
import { describeUserAgent } from "@/lib/auth/user-agent";
import { getDb } from "@/lib/db";
import { getFactor } from "@/lib/mfa/registry";

export const metadata: Metadata = { title: "Devices and sign-ins" };

const HISTORY_DAYS = 30;

function factorName(id: unknown): string {
  return (typeof id === "string" && getFactor(id)?.name) || "second step";
}

/** One history row in a customer's words: what was tried, and how it went. */
function describe(e: SignInHistoryRow): { what: string; result: "Success" | "Failed" | "Refused" | "Notice" } {
  const result = e.outcome === "ok" ? "Success" : e.outcome === "failed" ? "Failed" : "Refused";
  switch (e.action) {
    case "sign_in.password":
      return {
        what: e.outcome === "ok" ? "Password" : e.details.reason === "account locked" ? "Password (account was locked)" : "Password (wrong password)",
        result,
      };
    case "sign_in.passkey":
      return { what: "Passkey, without a password", result };
    case "sign_in.remembered_device":
      return { what: "Second step skipped: a browser you chose to remember", result: "Notice" };
    case "mfa.verify": {
      if (e.details.purpose === "passwordless") {
        const why = e.details.reason === "backoff" ? " (too soon after a failed try)" : e.details.reason === "account locked" ? " (account was locked)" : "";
        return { what: `Passkey, without a password${why}`, result };
      }
      const why = e.details.reason === "backoff" ? " (too soon after a failed try)" : e.details.reason === "account locked" ? " (account was locked)" : "";
      return { what: `Second step: ${factorName(e.details.factor)}${why}`, result };
    }
    case "account.locked":
      return { what: "Account locked after too many failed attempts", result: "Notice" };
    default:
      return { what: e.outcome === "ok" ? "Account unlocked" : "Unlock refused", result: e.outcome === "ok" ? "Notice" : "Refused" };
  }
}

const RESULT_STYLE = {
  Success: "border-ok/30 bg-ok-bg text-ok",
  Failed: "border-danger/30 bg-danger-bg text-danger",
  Refused: "border-danger/30 bg-danger-bg text-danger",
  Notice: "border-warn/30 bg-warn-bg text-warn",
} as const;

/**
 * The security centre: where this customer is signed in, with sign-out
 * buttons, and the sign-ins of the last 30 days from the audit log.
 */
export default async function ActivityPage() {
  const session = await requireUser();
  const db = await getDb();
  const [sessions, history, remembered] = await Promise.all([
    listActiveSessions(db, session.userId),
    signInHistoryOf(db, session.userId, { days: HISTORY_DAYS, limit: 100 }),
    listRememberedDevices(db, session.userId),
  ]);
  const items = sessions
    .map((s) => ({
      id: s.id,
      device: s.device.label,
      kind: s.device.kind,
      ip: s.ip,
      signedInAt: s.createdAt.toISOString(),
      lastSeenAt: s.lastSeenAt.toISOString(),
      current: s.id === session.id,
    }))
    .sort((a, b) => Number(b.current) - Number(a.current));

  return (
    <>
      <p className="mb-2 text-sm">
        <Link href="/security" className="text-brand-700 underline-offset-4 hover:underline">
          ← Security
        </Link>
      </p>
      <PageHeader title="Devices and sign-ins" subtitle="Where you are signed in now, and every sign-in to your account in the last 30 days." />
      <div className="grid grid-cols-1 gap-6">
        <Card>
          <h2 className="text-lg font-semibold">Where you are signed in</h2>
          <p className="mb-4 mt-1 text-sm text-muted">
            Don&apos;t recognise a device? Sign it out, then change your password on the{" "}
            <Link href="/security" className="text-brand-700 underline-offset-4 hover:underline">
              Security
            </Link>{" "}
            page. Device names come from what the browser says about itself, so they can be approximate.
          </p>
          <SessionList sessions={items} />
        </Card>
        <Card>
          <h2 className="text-lg font-semibold">Remembered browsers</h2>
          <p className="mb-4 mt-1 text-sm text-muted">
            Browsers where you ticked &ldquo;Don&apos;t ask for a code&rdquo;: they ask for your password only. Transfers and other confirmations
            still ask for your second step. Forget any you no longer use or don&apos;t recognise.
          </p>
          <RememberedList
            devices={remembered.map((d) => ({
              id: d.id,
              device: describeUserAgent(d.userAgent).label,
              ip: d.ip,
              createdAt: d.createdAt.toISOString(),
              lastUsedAt: d.lastUsedAt?.toISOString() ?? null,
              expiresAt: d.expiresAt.toISOString(),
            }))}
          />
        </Card>

        <Card>
          <h2 className="text-lg font-semibold">Sign-in history</h2>
          <p className="mb-4 mt-1 text-sm text-muted">
            Each step of each sign-in in the last {HISTORY_DAYS} days, newest first. Times are UTC. A failed try you did not make means someone
            may know your password: change it.
          </p>
          {history.length === 0 ? (
            <p className="text-sm text-muted">No sign-in in the last {HISTORY_DAYS} days.</p>
          ) : (
            <ul className="divide-y divide-line" aria-label="Sign-in history">
              {history.map((e) => {
                const d = describe(e);
                return (
                  <li key={e.id} className="flex flex-col gap-1 py-3 text-sm sm:flex-row sm:items-start sm:gap-4">
                    <span className="w-44 shrink-0 text-muted">{formatDate(e.at)}</span>
                    <span className="min-w-0 flex-1">
                      <span className={`mr-2 inline-flex items-center rounded-full border px-2 py-0.5 text-xs font-medium ${RESULT_STYLE[d.result]}`}>{d.result}</span>
                      {d.what}
                      <span className="block text-muted">
                        {e.userAgent ? describeUserAgent(e.userAgent).label : "Browser not recorded"} · IP address{" "}
                        <span className="font-mono text-xs">{e.ip ?? "unknown"}</span>
                      </span>
                    </span>
                  </li>
                );
              })}
            </ul>
          )}
        </Card>
      </div>
    </>
  );
}
