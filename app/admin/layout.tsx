import type { Metadata } from "next";
import Link from "next/link";
import { IdleWarning } from "@/components/idle-warning";
import { NavLink } from "@/components/nav-link";
import { SignOutButton } from "@/components/sign-out-button";
import { requireAdmin } from "@/lib/auth/current";
import { IDLE_WARNING } from "@/lib/auth/sessions";
import { getDb } from "@/lib/db";
import { countOpenRequests } from "@/lib/mfa/recovery-requests";

export const metadata: Metadata = { title: { default: "Admin", template: "%s · Admin · MFA Bank" } };

const link = "hover:text-brand-100";
const here = "font-semibold text-white underline decoration-2";

// The chrome only: every admin page, route handler and action checks the role itself.
export default async function AdminLayout({ children }: { children: React.ReactNode }) {
  const session = await requireAdmin();
  const openRequests = await countOpenRequests(await getDb());
  return (
    <div className="min-h-screen">
      <header className="border-b border-line bg-ink text-white">
        <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-3">
          <Link href="/admin/users" className="flex items-center gap-2 font-semibold">
            <span aria-hidden className="grid h-7 w-7 place-items-center rounded-lg bg-brand-500 text-xs">M</span>
            MFA Bank <span className="rounded bg-white/15 px-1.5 py-0.5 text-xs font-medium uppercase tracking-wide">Admin</span>
          </Link>
          <nav aria-label="Admin" className="order-last flex w-full flex-wrap gap-x-5 gap-y-1 text-sm sm:order-none sm:w-auto sm:flex-1">
            <NavLink href="/admin/users" className={link} currentClassName={here}>Users</NavLink>
            <NavLink href="/admin/recovery-requests" className={link} currentClassName={here}>
              Recovery requests
              {openRequests > 0 ? " " : null}
              {openRequests > 0 ? (
                <span className="ml-1.5 rounded-full bg-warn-bg px-1.5 py-0.5 text-xs font-semibold text-warn">
                  {openRequests}
                  <span className="sr-only"> open</span>
                </span>
              ) : null}
            </NavLink>
            <NavLink href="/admin/settings" className={link} currentClassName={here}>Settings</NavLink>
            <NavLink href="/admin/audit" className={link} currentClassName={here}>Audit log</NavLink>
            <Link href="/dashboard" className="whitespace-nowrap py-1 text-white/70 hover:text-brand-100">Back to the bank</Link>
          </nav>
          <span className="ml-auto hidden text-sm text-white/70 sm:inline">{session.displayName}</span>
          <div className="ml-auto sm:ml-0">
            <SignOutButton />
          </div>
        </div>
      </header>
      <main id="main" tabIndex={-1} className="mx-auto max-w-6xl px-4 py-8 outline-none">{children}</main>
      <IdleWarning {...IDLE_WARNING} />
    </div>
  );
}
