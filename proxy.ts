import { NextResponse, type NextRequest } from "next/server";
import { contentSecurityPolicy, HSTS, newNonce, SESSION_COOKIE_BASE } from "@/lib/security/headers";

/**
 * Two jobs, neither of them authorization:
 * 1. A fresh CSP nonce per request (lib/security/headers.ts). Next reads it from the request's
 *    CSP header and puts it on its own scripts; the response carries the same policy.
 * 2. An early redirect for visitors without any session cookie — a convenience, not a
 *    boundary: every page, route handler and server action checks the database session itself
 *    (lib/auth/current.ts, lib/actions/guard.ts).
 */
const PROTECTED = ["/dashboard", "/accounts", "/transfer", "/payees", "/security", "/admin"];
const DEV = process.env.NODE_ENV === "development";

function hasSessionCookie(request: NextRequest): boolean {
  return request.cookies.has(SESSION_COOKIE_BASE) || request.cookies.has(`__Host-${SESSION_COOKIE_BASE}`);
}

export function proxy(request: NextRequest) {
  const https = (process.env.APP_URL ?? "").startsWith("https://");
  const csp = contentSecurityPolicy({ nonce: newNonce(), dev: DEV, https });
  const { pathname, search } = request.nextUrl;

  let response: NextResponse;
  if (PROTECTED.some((p) => pathname === p || pathname.startsWith(`${p}/`)) && !hasSessionCookie(request)) {
    const url = new URL("/login", request.url);
    url.searchParams.set("callbackUrl", pathname + search);
    response = NextResponse.redirect(url);
  } else {
    const requestHeaders = new Headers(request.headers);
    requestHeaders.set("Content-Security-Policy", csp);
    response = NextResponse.next({ request: { headers: requestHeaders } });
  }
  response.headers.set("Content-Security-Policy", csp);
  if (https) response.headers.set("Strict-Transport-Security", HSTS);
  return response;
}

// Pages and server actions (which render RSC too); not static files or the JSON API routes.
export const config = { matcher: ["/((?!_next/static|_next/image|favicon.ico|api/).*)"] };
