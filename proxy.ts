import { NextResponse, type NextRequest } from "next/server";

/**
 * An early redirect for visitors without any session cookie — a convenience, not a boundary:
 * every page, route handler and server action checks the database session itself
 * (lib/auth/current.ts, lib/actions/guard.ts).
 */
const PROTECTED = ["/dashboard", "/accounts", "/transfer", "/payees", "/security", "/admin"];

export function proxy(request: NextRequest) {
  const { pathname, search } = request.nextUrl;
  if (PROTECTED.some((p) => pathname === p || pathname.startsWith(`${p}/`)) && !request.cookies.has("mfa-bank.session")) {
    const url = new URL("/login", request.url);
    url.searchParams.set("callbackUrl", pathname + search);
    return NextResponse.redirect(url);
  }
  return NextResponse.next();
}

export const config = { matcher: ["/((?!_next/static|_next/image|favicon.ico|api/).*)"] };
