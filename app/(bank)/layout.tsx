import Link from "next/link";
import { IdleWarning } from "@/components/idle-warning";
import { NavLink } from "@/components/nav-link";
import { SignOutButton } from "@/components/sign-out-button";
import { requireUser } from "@/lib/auth/current";
import { IDLE_WARNING } from "@/lib/auth/sessions";

// The layout shows the chrome; each page still checks the session itself (layouts are not
// re-run on client navigation, so they are never the only check).
const link = "hover:text-brand-600";
const here = "font-semibold text-brand-700 underline decoration-2";

export default async function BankLayout({ children }: { children: React.ReactNode }) {
  const session = await requireUser();
  return (
    <div className="min-h-screen">
      <header className="border-b border-line bg-white">
        <div className="mx-auto flex max-w-5xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-3">
          <Link href="/dashboard" className="flex items-center gap-2 font-semibold text-brand-700">
            <span aria-hidden className="grid h-7 w-7 place-items-center rounded-lg bg-brand-600 text-xs text-white">M</span>
            MFA Bank
          </Link>
          <nav aria-label="Main" className="order-last flex w-full gap-5 overflow-x-auto text-sm sm:order-none sm:w-auto sm:flex-1">
            <NavLink href="/dashboard" also={["/accounts"]} className={link} currentClassName={here}>Accounts</NavLink>
            <NavLink href="/transfer" className={link} currentClassName={here}>Transfer</NavLink>
            <NavLink href="/payees" className={link} currentClassName={here}>Payees</NavLink>
            <NavLink href="/security" className={link} currentClassName={here}>Security</NavLink>
            {session.role === "admin" ? <NavLink href="/admin/users" className={link} currentClassName={here}>Admin</NavLink> : null}
          </nav>
          <span className="ml-auto hidden text-sm text-muted sm:inline">{session.displayName}</span>
          <div className="ml-auto sm:ml-0">
            <SignOutButton />
          </div>
        </div>
      </header>
      <main id="main" tabIndex={-1} className="mx-auto max-w-5xl px-4 py-8 outline-none">{children}</main>
      <IdleWarning {...IDLE_WARNING} />
    </div>
  );
}
