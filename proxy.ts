import { NextResponse, type NextRequest } from "next/server";
import { databaseLooksAvailable } from "@/lib/db/availability";

/**
 * An early redirect for visitors without any session cookie — a convenience, not a boundary:
 * every page, route handler and server action checks the database session itself
 * (lib/auth/current.ts, lib/actions/guard.ts).
 */
const PROTECTED = ["/dashboard", "/accounts", "/transfer", "/payees", "/security", "/admin"];

/**
 * While a database outage is remembered (lib/db/availability.ts), a page request gets this
 * 503 at once — not a sign-in form that cannot work, not a stack trace — until the database
 * answers again. Server actions (POST with Next-Action) pass: their guard answers in the form.
 */
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
  if ((request.method === "GET" || request.method === "HEAD") && !request.headers.has("next-action") && !(await databaseLooksAvailable())) {
    return unavailablePage(request);
  }
  if (PROTECTED.some((p) => pathname === p || pathname.startsWith(`${p}/`)) && !request.cookies.has("mfa-bank.session")) {
    const url = new URL("/login", request.url);
    url.searchParams.set("callbackUrl", pathname + search);
    return NextResponse.redirect(url);
  }
  return NextResponse.next();
}

export const config = { matcher: ["/((?!_next/static|_next/image|favicon.ico|api/).*)"] };
