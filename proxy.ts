import { NextResponse, type NextRequest } from "next/server";
import { databaseLooksAvailable } from "@/lib/db/availability";
import { checkActionRequest } from "@/lib/http/action-request";
import { contentSecurityPolicy, HSTS, newNonce, SESSION_COOKIE_BASE } from "@/lib/security/headers";

/**
 * Four jobs, none of them authorization:
 * 1. Requests Next itself would answer with a 500 are refused with a 4xx (found by the fuzz
 *    suite, e2e/fuzz/): a path with broken percent-encoding (a dynamic segment fails to
 *    decode), Next's own /_global-error and /_not-found pages, and POSTs Next's server-action
 *    decoder cannot read (lib/http/action-request.ts).
 * 2. While a database outage is remembered (lib/db/availability.ts), a page request gets a
 *    503 at once — not a sign-in form that cannot work, not a stack trace.
 * 3. A fresh CSP nonce per request (lib/security/headers.ts). Next reads it from the request's
 *    CSP header and puts it on its own scripts; the response carries the same policy.
 * 4. An early redirect for visitors without any session cookie — a convenience, not a
 *    boundary: every page, route handler and server action checks the database session itself
 *    (lib/auth/current.ts, lib/actions/guard.ts).
 */
const PROTECTED = ["/dashboard", "/accounts", "/transfer", "/payees", "/security", "/admin"];
const DEV = process.env.NODE_ENV === "development";

const plain = (status: number, message: string) =>
  new NextResponse(`${message}\n`, { status, headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" } });

function decodablePath(pathname: string): boolean {
  try {
    decodeURIComponent(pathname);
    return true;
  } catch {
    return false;
  }
}

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
  const { pathname, search } = request.nextUrl;
  if (!decodablePath(pathname)) return plain(400, "Bad request.");
  // Next's own error pages, reachable by their paths: they answer some requests with a 500.
  if (/^\/_(?:global-error|not-found)(?:\/|$)/.test(pathname)) return plain(404, "Not found.");
  // Route handlers read their own bodies (Auth.js, the mock provider) and answer JSON: no
  // action gate and no page policy there.
  if (pathname.startsWith("/api/")) {
    // No page lives under /api/, so no server action is called there; Next would still try
    // to decode one (on its not-found page) and answer a malformed one with a 500 (found by
    // the fuzz suite).
    if (request.method === "POST" && request.headers.has("next-action")) {
      return NextResponse.json({ message: "Not found." }, { status: 404, headers: { "cache-control": "no-store" } });
    }
    return NextResponse.next();
  }

  if (request.method === "POST") {
    const verdict = await checkActionRequest(request);
    if (!verdict.ok) return plain(verdict.status, verdict.message);
  }

  const https = (process.env.APP_URL ?? "").startsWith("https://");
  const csp = contentSecurityPolicy({ nonce: newNonce(), dev: DEV, https });
  let response: NextResponse;
  if ((request.method === "GET" || request.method === "HEAD") && !request.headers.has("next-action") && !(await databaseLooksAvailable())) {
    response = unavailablePage(request);
  } else if (PROTECTED.some((p) => pathname === p || pathname.startsWith(`${p}/`)) && !hasSessionCookie(request)) {
    const url = new URL("/login", request.url);
    // Longer would not pass the sign-in form's limit, and a huge Location is more than clients read.
    url.searchParams.set("callbackUrl", (pathname + search).length <= 2048 ? pathname + search : pathname.slice(0, 2048));
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

// Everything but static files: /api/ passes through after the path checks above.
export const config = { matcher: ["/((?!_next/static|_next/image|favicon.ico).*)"] };
