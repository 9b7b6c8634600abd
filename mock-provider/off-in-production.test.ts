import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

/**
 * The demo phone is off in production exactly like the mock provider — its page is
 * not found, its push answer refuses, the provider's API answers 404, and enrolment offers no
 * "Add to the demo phone" button. MOCK_PROVIDER_ENABLED=1 is the one way to turn it on there.
 */
const saved = { APP_ENV: process.env.APP_ENV, MOCK_PROVIDER_ENABLED: process.env.MOCK_PROVIDER_ENABLED };

function setEnv(appEnv: string, mock?: "0" | "1") {
  process.env.APP_ENV = appEnv;
  if (mock === undefined) delete process.env.MOCK_PROVIDER_ENABLED;
  else process.env.MOCK_PROVIDER_ENABLED = mock;
  vi.resetModules(); // getEnv() caches its parse per module instance
}

beforeEach(() => setEnv("production"));
afterEach(() => {
  process.env.APP_ENV = saved.APP_ENV;
  if (saved.MOCK_PROVIDER_ENABLED === undefined) delete process.env.MOCK_PROVIDER_ENABLED;
  else process.env.MOCK_PROVIDER_ENABLED = saved.MOCK_PROVIDER_ENABLED;
  vi.doUnmock("@/app/mock-provider/device/push-answer");
  vi.doUnmock("@/lib/db");
  vi.resetModules();
});

describe("the demo phone with APP_ENV=production", () => {
  it("is off unless MOCK_PROVIDER_ENABLED=1, and on by default elsewhere", async () => {
    expect((await import("@/lib/env")).getEnv().mockProviderEnabled).toBe(false);
    setEnv("production", "1");
    expect((await import("@/lib/env")).getEnv().mockProviderEnabled).toBe(true);
    setEnv("development");
    expect((await import("@/lib/env")).getEnv().mockProviderEnabled).toBe(true);
    setEnv("development", "0");
    expect((await import("@/lib/env")).getEnv().mockProviderEnabled).toBe(false);
  });

  it("its page is not found, before any database read", async () => {
    // The page's client parts import the server actions (and with them Auth.js), which need
    // Next's runtime; they are never reached here. The database must not be either.
    vi.doMock("@/app/mock-provider/device/push-answer", () => ({ PushAnswer: () => null }));
    vi.doMock("@/lib/db", () => ({
      getDb: () => Promise.reject(new Error("the database was read")),
      rows: () => Promise.reject(new Error("the database was read")),
    }));
    const { default: DemoPhonePage } = await import("@/app/mock-provider/device/page");
    const shown = DemoPhonePage({ searchParams: Promise.resolve({ user: "carol" }) });
    await expect(shown).rejects.toMatchObject({ digest: expect.stringContaining("404") });
  });

  it("the provider API behind it answers 404 to every call", async () => {
    const { GET, POST } = await import("@/app/mock-provider/api/[...path]/route");
    const ctx = { params: Promise.resolve({ path: ["v1", "mfa", "users", "carol", "enrollments"] }) };
    const get = await GET(new Request("http://localhost/mock-provider/api/v1/mfa/users/carol/enrollments"), ctx);
    const post = await POST(new Request("http://localhost/mock-provider/api/v1/mfa/transactions", { method: "POST", body: "{}" }), ctx);
    expect([get.status, post.status]).toEqual([404, 404]);
  });
});
