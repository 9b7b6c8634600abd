import { NextResponse, type NextRequest } from "next/server";
import { databaseLooksAvailable } from "@/lib/db/availability";
import { contentSecurityPolicy, HSTS, newNonce, SESSION_COOKIE_BASE } from "@/lib/security/headers";

/**
 * Three jobs, none of them authorization:
 * 1. A fresh CSP nonce per request (lib/security/headers.ts). Next reads it from the request's
 *    CSP header and puts it on its own scripts; the response carries the same policy.
 * 2. While a database outage is remembered (lib/db/availability.ts), a page request gets a
 *    503 at once — not a sign-in form that cannot work, not a stack trace.
 * 3. An early redirect for visitors without any session cookie — a convenience, not a
 *    boundary: every page, route handler and server action checks the database session itself
 *    (lib/auth/current.ts, lib/actions/guard.ts).
 */
const PROTECTED = ["/dashboard", "/accounts", "/transfer", "/payees", "/security", "/admin"];
const DEV = process.env.NODE_ENV === "development";

function hasSessionCookie(request: NextRequest): boolean {
  return request.cookies.has(SESSION_COOKIE_BASE) || request.cookies.has(`__Host-${SESSION_COOKIE_BASE}`);
}

/** Server actions (POST with Next-Action) are not stopped here: their guard answers in the form. */
function unavailablePage(request: NextRequest) {
  const retry = request.nextUrl.pathname + request.nextUrl.search;
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Temporarily unavailable · MFA Bank</title></head>
<body style="font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem;color:#111">
<main><h1 style="font-size:1.25rem">Temporarily unavailable</h1>
<p>The bank cannot reach its database right now. Nothing was changed. Please try again in a moment.</p>
<p><a href="${retry.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)}">Try again</a></p></main></body></html>`;
  return new NextResponse(html, {
    status: 503,
    headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", "retry-after": "5" },
  });
}

export async function proxy(request: NextRequest) {
  const https = (process.env.APP_URL ?? "").startsWith("https://");
  const csp = contentSecurityPolicy({ nonce: newNonce(), dev: DEV, https });
  const { pathname, search } = request.nextUrl;

  let response: NextResponse;
  if ((request.method === "GET" || request.method === "HEAD") && !request.headers.has("next-action") && !(await databaseLooksAvailable())) {
    response = unavailablePage(request);
  } else if (PROTECTED.some((p) => pathname === p || pathname.startsWith(`${p}/`)) && !hasSessionCookie(request)) {
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
