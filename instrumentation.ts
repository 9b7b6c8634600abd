/** Runs once per server process: starts SMTP delivery of the outbox when SMTP_URL is set. */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs" || !process.env.SMTP_URL) return;
  const { deliverOutbox } = await import("./lib/mail/deliver");
  const tick = () => deliverOutbox().catch((err) => console.error("[mail] outbox:", err instanceof Error ? err.message : err));
  setInterval(tick, 5_000).unref();
}
