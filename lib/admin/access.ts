import "server-only";
import { getCurrentSession, isFullySignedIn, type CurrentSession } from "@/lib/auth/current";

/**
 * For admin route handlers (a page uses requireAdmin, an action adminAction): the same check,
 * answered as HTTP — 401 without a fully signed-in session (a pending one included), 403 for
 * a signed-in user who is not an administrator. Never only the layout or proxy.ts.
 */
export async function adminForRoute(): Promise<CurrentSession | Response> {
  const s = await getCurrentSession();
  const headers = { "Cache-Control": "no-store", "Content-Type": "text/plain; charset=utf-8" };
  if (!s || !isFullySignedIn(s)) return new Response("Sign in first.\n", { status: 401, headers });
  if (s.mustChangePassword) return new Response("Choose a new password first.\n", { status: 403, headers });
  if (s.role !== "admin") return new Response("This needs an administrator.\n", { status: 403, headers });
  return s;
}
