import { randomBytes } from "node:crypto";
import { request, type FullConfig } from "@playwright/test";
import { encode } from "next-auth/jwt";

/**
 * Warms the server up before the first test: the app opens its database on the first request
 * that needs a session lookup (PGlite then loads and checks migrations, which on a busy
 * 2-core machine can take longer than a test's budget). A well-signed cookie for an unknown
 * session forces that lookup; the answer must be the sign-in redirect.
 */
export default async function globalSetup(config: FullConfig): Promise<void> {
  const baseURL = config.projects[0]!.use.baseURL!;
  const secret = process.env.AUTH_SECRET;
  if (!secret) throw new Error("AUTH_SECRET is not set: run the e2e tests through `npm run test:e2e`.");
  const cookie = await encode({ token: { sid: randomBytes(32).toString("base64url") }, secret, salt: "mfa-bank.session" });
  const started = Date.now();
  const api = await request.newContext({ baseURL });
  try {
    const res = await api.get("/dashboard", { headers: { cookie: `mfa-bank.session=${cookie}` }, maxRedirects: 0, timeout: 120_000 });
    const location = res.headers()["location"] ?? "";
    if (res.status() < 300 || res.status() >= 400 || !location.includes("/login")) {
      throw new Error(`warm-up: expected a redirect to /login, got ${res.status()} ${location}`);
    }
  } finally {
    await api.dispose();
  }
  console.log(`[e2e] server and database ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
