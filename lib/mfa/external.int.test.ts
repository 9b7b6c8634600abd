import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handleProviderRequest } from "@/mock-provider/handler";
import { mfaProviders } from "@/lib/db/schema";
import { enrolAtMockProvider } from "@/lib/db/seed";
import { registerMockClient } from "@/mock-provider/setup";
import { createTestDb, type TestDb } from "@/lib/db/test-db";
import { openChallenge } from "./challenges";
import { clearTokenCache } from "./provider/client";
import { sealClientSecret } from "./provider/config";
import { unavailableFactors, usableFactors } from "./registry";
import { answerChallenge } from "./verify";

/**
 * The external factor through answerChallenge, as the actions call it, against the mock
 * provider over real HTTP: what counts toward the lockout, what does not, and that a SUCCESS
 * serves only the challenge that started it, once.
 */
let t: TestDb;
let server: http.Server;
let hang = false;

beforeAll(async () => {
  t = await createTestDb();
  server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (hang) await new Promise((r) => setTimeout(r, 1500));
    const url = new URL(req.url!, "http://127.0.0.1");
    const request = new Request(url, { method: req.method, headers: req.headers as Record<string, string>, body: req.method === "GET" ? undefined : Buffer.concat(chunks) });
    const response = await handleProviderRequest(t.db, request, url.pathname.split("/").filter(Boolean).slice(1));
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  const id = randomUUID();
  await registerMockClient(t.db, { clientId: "int-test", secret: "int-test-secret" });
  await t.db.insert(mfaProviders).values({
    id,
    name: "Mock",
    credentialPrefix: "mock",
    baseUrl: `http://127.0.0.1:${port}/api`,
    clientId: "int-test",
    clientSecretEnc: sealClientSecret(id, "int-test-secret"),
    capabilities: ["mobile_push", "sms_otp", "voice_otp", "email_otp"],
    timeoutMs: 1000,
  });
  clearTokenCache();
});

afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await t?.close();
});

async function setup() {
  const u = await t.createUser({ group: "commercial_ext" });
  await enrolAtMockProvider(t.db, { id: u.id, username: u.username, displayName: u.username }, [
    { capability: "mobile_push", address: "phone" },
    { capability: "sms_otp", address: "+31 6 1111 2222" },
  ]);
  const sessionId = await t.createSession(u.id);
  const challenge = await openChallenge(t.db, { sessionId, userId: u.id, purpose: "sign_in" });
  const user = { userId: u.id, username: u.username, email: u.email, groupId: "commercial_ext", sessionId, ip: null };
  const answer = (factorId: string, input: Record<string, string>, challengeId = challenge.id, who = user) =>
    answerChallenge(t.db, who, { challengeId, purpose: "sign_in", factorId, input }, async () => "passed");
  const failures = async () => (await t.query<{ n: number }>(sql`SELECT failed_attempts AS n FROM users WHERE id = ${u.id}`))[0]!.n;
  return { u, user, challenge, answer, failures };
}

type Step = { phase: string; targets?: { id: string }[]; number?: number };

async function sendSms(answer: Awaited<ReturnType<typeof setup>>["answer"]) {
  const listed = await answer("mock:sms_otp", { step: "targets" });
  expect(listed.kind).toBe("continue");
  const target = ((listed as { data: Step }).data.targets ?? [])[0]!.id;
  const sent = await answer("mock:sms_otp", { step: "send", target });
  expect(sent).toMatchObject({ kind: "continue", data: { phase: "code" } });
  const [row] = await t.query<{ message: string }>(sql`SELECT message FROM mock_provider_transactions ORDER BY created_at DESC LIMIT 1`);
  return /code is (\d{6})/.exec(row!.message)![1]!;
}

describe("the external factor under the lockout model", () => {
  it("a wrong code is a counted failure; the right code of a new send passes, once", async () => {
    const { answer, failures, challenge } = await setup();
    const code = await sendSms(answer);
    const wrong = await answer("mock:sms_otp", { step: "code", code: code === "000000" ? "111111" : "000000" });
    expect(wrong).toMatchObject({ kind: "failed", reason: "wrong provider code" });
    expect(await failures()).toBe(1);
    await t.query(sql`UPDATE users SET next_attempt_at = NULL`); // skip the backoff delay
    const good = await sendSms(answer);
    expect(await answer("mock:sms_otp", { step: "code", code: good })).toEqual({ kind: "ok", value: "passed" });
    expect(await failures()).toBe(0);
    // The challenge is consumed: the same SUCCESS cannot be presented again.
    expect(await answer("mock:sms_otp", { step: "code", code: good }, challenge.id)).toEqual({ kind: "expired" });
  });

  it("sending, polling a pending push and a provider fault count nothing; the fault is audited", async () => {
    const { answer, failures, u } = await setup();
    const listed = await answer("mock:mobile_push", { step: "targets" });
    const target = (listed as { data: Step }).data.targets![0]!.id;
    const sent = await answer("mock:mobile_push", { step: "send", target });
    expect(sent).toMatchObject({ kind: "continue", data: { phase: "push" } });
    expect(await answer("mock:mobile_push", { step: "poll" })).toMatchObject({ kind: "continue", data: { phase: "push" } });
    hang = true;
    try {
      expect(await answer("mock:mobile_push", { step: "poll" })).toMatchObject({ kind: "unavailable" });
    } finally {
      hang = false;
    }
    expect(await failures()).toBe(0);
    const events = await t.query<{ details: { fault: string } }>(
      sql`SELECT details FROM audit_events WHERE subject_user_id = ${u.id} AND action = 'mfa.provider_fault'`,
    );
    expect(events.map((e) => e.details.fault)).toEqual(["result: timeout"]);
  });

  it("the provider call holds no row lock: a password attempt goes through while the provider hangs", async () => {
    const { answer, u } = await setup();
    const listed = await answer("mock:mobile_push", { step: "targets" });
    await answer("mock:mobile_push", { step: "send", target: (listed as { data: Step }).data.targets![0]!.id });
    hang = true;
    try {
      const slow = answer("mock:mobile_push", { step: "poll" });
      await new Promise((r) => setTimeout(r, 200));
      const started = Date.now();
      await t.db.transaction(async (tx) => {
        await tx.execute(sql`SELECT id FROM users WHERE id = ${u.id} FOR UPDATE NOWAIT`);
      });
      expect(Date.now() - started).toBeLessThan(500);
      await slow;
    } finally {
      hang = false;
    }
  });

  it("a SUCCESS serves only the challenge that started it: the client's transaction id is ignored", async () => {
    const a = await setup();
    const b = await setup();
    const listed = await a.answer("mock:mobile_push", { step: "targets" });
    await a.answer("mock:mobile_push", { step: "send", target: (listed as { data: Step }).data.targets![0]!.id });
    const [txn] = await t.query<{ id: string }>(sql`SELECT id FROM mock_provider_transactions ORDER BY created_at DESC LIMIT 1`);
    await t.query(sql`UPDATE mock_provider_transactions SET status = 'SUCCESS' WHERE id = ${txn!.id}`);
    // B presents A's transaction id and SUCCESS, on B's own challenge and on A's.
    expect(await b.answer("mock:mobile_push", { step: "poll", txn: txn!.id, status: "SUCCESS" })).toMatchObject({ kind: "continue", data: null });
    expect(await b.answer("mock:mobile_push", { step: "poll" }, a.challenge.id)).toEqual({ kind: "expired" });
    // A second session of A's own user does not see it either.
    const otherSession = await t.createSession(a.u.id);
    const c2 = await openChallenge(t.db, { sessionId: otherSession, userId: a.u.id, purpose: "sign_in" });
    expect(await a.answer("mock:mobile_push", { step: "poll" }, c2.id, { ...a.user, sessionId: otherSession })).toMatchObject({ kind: "continue", data: null });
    // A's own challenge passes.
    expect(await a.answer("mock:mobile_push", { step: "poll" })).toEqual({ kind: "ok", value: "passed" });
  });
});

describe("the admin's switches take effect at the next request", () => {
  it("a target type removed from sign-in is neither offered nor accepted; nothing counted", async () => {
    const a = await setup();
    expect((await usableFactors(t.db, a.user, "sign_in")).map((f) => f.id)).toContain("mock:sms_otp");
    await t.db.execute(sql`UPDATE settings SET sign_in_target_types = '["mobile_push"]'::jsonb WHERE id = 1`);
    try {
      const offered = await usableFactors(t.db, a.user, "sign_in");
      expect(offered.map((f) => f.id)).toEqual(["mock:mobile_push"]);
      expect(await a.answer("mock:sms_otp", { step: "targets" })).toEqual({ kind: "factor_not_allowed" });
      // Transactions keep their own list.
      expect((await usableFactors(t.db, a.user, "step_up")).map((f) => f.id)).toContain("mock:sms_otp");
      expect((await unavailableFactors(t.db, a.user, "sign_in")).map((f) => f.id)).toEqual(["mock:sms_otp"]);
      expect(await a.failures()).toBe(0);
    } finally {
      await t.db.execute(sql`UPDATE settings SET sign_in_target_types = '["mobile_push","sms_otp","voice_otp","email_otp"]'::jsonb WHERE id = 1`);
    }
  });

  it("a disabled provider's factors are neither offered nor accepted, nothing counted; enabled again, they work", async () => {
    const a = await setup();
    await t.db.execute(sql`UPDATE mfa_providers SET enabled = false WHERE credential_prefix = 'mock'`);
    try {
      expect(await usableFactors(t.db, a.user, "sign_in")).toEqual([]);
      expect((await unavailableFactors(t.db, a.user, "sign_in")).map((f) => f.id)).toEqual(["mock:mobile_push", "mock:sms_otp"]);
      expect(await a.answer("mock:sms_otp", { step: "targets" })).toEqual({ kind: "factor_not_allowed" });
      expect(await a.answer("mock:mobile_push", { step: "poll" })).toEqual({ kind: "factor_not_allowed" });
      expect(await a.failures()).toBe(0);
    } finally {
      await t.db.execute(sql`UPDATE mfa_providers SET enabled = true WHERE credential_prefix = 'mock'`);
    }
    expect(await a.answer("mock:sms_otp", { step: "targets" })).toMatchObject({ kind: "continue" });
  });
});
