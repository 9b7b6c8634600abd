import type { Instrumentation } from "next";
import { isDatabaseUnavailable, noteDatabaseUnavailable } from "./lib/db/availability";

/**
 * A page or route handler that failed because the database is away marks the outage, so
 * proxy.ts answers the next page requests with a 503 "temporarily unavailable" page until the
 * database is back (docs/ARCHITECTURE.md, Outages). Server actions mark it in their guard.
 */
export const onRequestError: Instrumentation.onRequestError = async (err) => {
  if (isDatabaseUnavailable(err)) noteDatabaseUnavailable();
};

/**
 * Runs once per server process: records each connection's address for the app
 * (lib/http/peer.ts — the client's address when TRUSTED_PROXY_HOPS is 0), checks the
 * environment so a bad value stops the server at startup (and a moved test clock, lib/clock.ts), warms the in-app
 * mock provider under `next dev` (lib/dev/warm-up.ts), and starts SMTP delivery of the outbox when SMTP_URL is set.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { installPeerHeader } = await import("./lib/http/peer");
  installPeerHeader();
  if (process.env.NEXT_PHASE !== "phase-production-build") {
    const { checkClockOrExit, checkEnvironmentOrExit } = await import("./lib/startup");
    checkEnvironmentOrExit();
    void checkClockOrExit();
  }
  if (process.env.NODE_ENV === "development" && process.env.NEXT_PHASE !== "phase-production-build") {
    const { warmInAppProvider } = await import("./lib/dev/warm-up");
    warmInAppProvider();
  }
  if (!process.env.SMTP_URL) return;
  const { deliverOutbox } = await import("./lib/mail/deliver");
  const tick = () => deliverOutbox().catch((err) => console.error("[mail] outbox:", err instanceof Error ? err.message : err));
  setInterval(tick, 5_000).unref();
}
