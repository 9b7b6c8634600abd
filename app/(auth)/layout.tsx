import Link from "next/link";

export default function AuthLayout({ children }: { children: React.ReactNode }) {
  return (
    <div className="flex min-h-screen flex-col items-center px-4 py-10 sm:py-16">
      {/* In a landmark (banner): content outside every landmark is axe's "region" violation. */}
      <header className="mb-8">
        <Link href="/" className="flex items-center gap-2 text-lg font-semibold text-brand-700">
          <span aria-hidden className="grid h-8 w-8 place-items-center rounded-lg bg-brand-600 text-sm text-white">M</span>
          MFA Bank
        </Link>
      </header>
      <main id="main" tabIndex={-1} className="w-full max-w-md outline-none">{children}</main>
    </div>
  );
}
