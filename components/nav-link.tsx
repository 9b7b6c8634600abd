"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import type { ReactNode } from "react";
import { cx } from "@/components/ui";

/**
 * A navigation link that marks the page the user is on: `aria-current="page"` for screen
 * readers and a visible underline for everyone (WCAG 2.2 SC 2.4.8 Location, 1.3.1 Info and
 * Relationships — the highlight is not colour alone). `also` lists other paths it stands for
 * ("Accounts" covers /dashboard and /accounts/…).
 */
export function NavLink({
  href,
  also = [],
  className,
  currentClassName,
  children,
}: {
  href: string;
  also?: string[];
  className?: string;
  currentClassName: string;
  children: ReactNode;
}) {
  const pathname = usePathname();
  const current = [href, ...also].some((p) => pathname === p || pathname.startsWith(`${p}/`));
  return (
    <Link href={href} aria-current={current ? "page" : undefined} className={cx("whitespace-nowrap py-1 underline-offset-4", className, current && currentClassName)}>
      {children}
    </Link>
  );
}
