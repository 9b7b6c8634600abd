import "server-only";
import { getEnv } from "@/lib/env";

/**
 * `next dev` compiles a route on its first request, which took 5–19 s for the in-app mock
 * provider's API: the bank's first call to it after a cold start could time out.
 * This requests that route (and the demo phone) once the server answers, before anyone signs in.
 * The request carries no token: the provider answers 401 after one read, and nothing changes.
 */
export function warmInAppProvider(): void {
  const env = getEnv();
  if (!env.mockProviderEnabled) return;
  const routes = ["/mock-provider/api/v1/enrollments", "/mock-provider/device"];
  const deadline = Date.now() + 120_000;
  const attempt = async () => {
    try {
      // Up to 60 s each: that is the compiling, not a hang.
      for (const route of routes) await fetch(`${env.appUrl}${route}`, { redirect: "manual", signal: AbortSignal.timeout(60_000) }).then((r) => r.arrayBuffer());
    } catch {
      // Not listening yet (this runs while the server starts) or APP_URL is elsewhere: try again.
      if (Date.now() < deadline) setTimeout(attempt, 1_000).unref();
    }
  };
  setTimeout(attempt, 1_000).unref();
}
