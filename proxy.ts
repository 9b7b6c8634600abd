import { NextResponse, type NextRequest } from "next/server";
import { checkActionRequest } from "@/lib/http/action-request";

/**
 * An early redirect for visitors without any session cookie — a convenience, not a boundary:
 * every page, route handler and server action checks the database session itself
 * (lib/auth/current.ts, lib/actions/guard.ts).
 *
 * Also where requests Next itself would answer with a 500 are refused with a 4xx (found by the
 * fuzz suite, e2e/fuzz/): a path with broken percent-encoding (a dynamic segment fails to
 * decode), Next's own /_global-error page, and POSTs Next's server-action decoder cannot read
 * (lib/http/action-request.ts).
 */
const PROTECTED = ["/dashboard", "/accounts", "/transfer", "/payees", "/security", "/admin"];

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

export async function proxy(request: NextRequest) {
  const { pathname, search } = request.nextUrl;
  if (!decodablePath(pathname)) return plain(400, "Bad request.");
  // Next's own error pages, reachable by their paths: they answer some requests with a 500.
  if (/^\/_(?:global-error|not-found)(?:\/|$)/.test(pathname)) return plain(404, "Not found.");
  // Route handlers read their own bodies (Auth.js, the mock provider): no action gate there.
  if (pathname.startsWith("/api/")) return NextResponse.next();
  if (request.method === "POST") {
    const verdict = await checkActionRequest(request);
    if (!verdict.ok) return plain(verdict.status, verdict.message);
  }
  if (PROTECTED.some((p) => pathname === p || pathname.startsWith(`${p}/`)) && !request.cookies.has("mfa-bank.session")) {
    const url = new URL("/login", request.url);
    // Longer would not pass the sign-in form's limit, and a huge Location is more than clients read.
    url.searchParams.set("callbackUrl", (pathname + search).length <= 2048 ? pathname + search : pathname.slice(0, 2048));
    return NextResponse.redirect(url);
  }
  return NextResponse.next();
}

export const config = { matcher: ["/((?!_next/static|_next/image|favicon.ico).*)"] };
