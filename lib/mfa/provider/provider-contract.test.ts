import http from "node:http";
import type { AddressInfo } from "node:net";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { handleProviderRequest } from "@/mock-provider/handler";
import { enrolAtMockProvider } from "@/lib/db/seed";
import { registerMockClient } from "@/mock-provider/setup";
import { createTestDb, type TestDb } from "@/lib/db/test-db";
import * as client from "./client";
import { ProviderFault, type ProviderEndpoint } from "./client";

/**
 * The contract (docs/PROVIDER-CONTRACT.md), example by example, against the mock provider's own
 * request handler served over real HTTP — then the client against a provider that misbehaves.
 */

let t: TestDb;
let server: http.Server;
let base: string;

/** Serves a fetch-style handler on a random local port. */
async function serve(handler: (req: Request, path: string[]) => Promise<Response>): Promise<{ server: http.Server; url: string }> {
  const s = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url!, "http://127.0.0.1");
    const request = new Request(url, {
      method: req.method,
      headers: req.headers as Record<string, string>,
      body: req.method === "GET" ? undefined : Buffer.concat(chunks),
    });
    const path = url.pathname.split("/").filter(Boolean).slice(2); // after /mock-provider/api
    const response = await handler(request, path);
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  return { server: s, url: `http://127.0.0.1:${(s.address() as AddressInfo).port}` };
}

const CLIENT_ID = "contract-test";
const SECRET = "contract-test-secret-0123456789";
let endpoint: ProviderEndpoint;

beforeAll(async () => {
  t = await createTestDb();
  await registerMockClient(t.db, { clientId: CLIENT_ID, secret: SECRET });
  const s = await serve((req, path) => handleProviderRequest(t.db, req, path));
  server = s.server;
  base = `${s.url}/mock-provider/api`;
  endpoint = { id: "contract", baseUrl: base, clientId: CLIENT_ID, clientSecret: SECRET, timeoutMs: 5000, resources: {} };
});

afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await t?.close();
});

beforeEach(() => client.clearTokenCache());

/** The client names a transaction by id; user and capability feed only transforms, which these calls have none of. */
const ref = (transactionId: string): client.TxnRef => ({ transactionId, uniqueName: "u", capability: "sms_otp" });

async function enrolledUser() {
  const u = await t.createUser({ group: "commercial" });
  await enrolAtMockProvider(t.db, { id: u.id, username: u.username, displayName: u.username }, [
    { capability: "mobile_push", address: "Test phone" },
    { capability: "sms_otp", address: "+31 6 1234 5678" },
    { capability: "email_otp", address: u.email },
  ]);
  return u;
}

async function token(): Promise<string> {
  const res = await fetch(`${base}/oauth/token`, {
    method: "POST",
    headers: {
      authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${SECRET}`).toString("base64")}`,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: "grant_type=client_credentials",
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

const deliveredCode = async (txn: string) => {
  const [row] = await t.query<{ message: string }>(sql`SELECT message FROM mock_provider_transactions WHERE id = ${txn}`);
  return /code is (\d{6})/.exec(row!.message)![1]!;
};

describe("the documented examples, against the mock provider", () => {
  it("token: client credentials by Basic auth → 200 Bearer; wrong secret → 401; wrong grant → 400", async () => {
    const ok = await fetch(`${base}/oauth/token`, {
      method: "POST",
      headers: { authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${SECRET}`).toString("base64")}`, "content-type": "application/x-www-form-urlencoded" },
      body: "grant_type=client_credentials",
    });
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: "Bearer", expires_in: 3600 });
    expect(typeof body.access_token).toBe("string");

    const bad = await fetch(`${base}/oauth/token`, {
      method: "POST",
      headers: { authorization: `Basic ${Buffer.from(`${CLIENT_ID}:wrong`).toString("base64")}`, "content-type": "application/x-www-form-urlencoded" },
      body: "grant_type=client_credentials",
    });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toEqual({ error: "invalid_client" });

    const form = await fetch(`${base}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `grant_type=password&client_id=${CLIENT_ID}&client_secret=${SECRET}`,
    });
    expect(form.status).toBe(400);
  });

  it("every resource needs a valid bearer token → 401 without one", async () => {
    for (const [method, path] of [
      ["GET", "/v1/enrollments?uniqueName=x"],
      ["POST", "/v1/mfa"],
      ["POST", "/v1/mfa/validate"],
      ["GET", "/v1/mfa/transactions/00000000-0000-0000-0000-000000000000"],
    ] as const) {
      const res = await fetch(`${base}${path}`, { method, headers: { authorization: "Bearer not-a-real-token-at-all" } });
      expect(res.status, `${method} ${path}`).toBe(401);
    }
  });

  it("enrollments: the user's targets, masked; an unknown user has none", async () => {
    const u = await enrolledUser();
    const res = await fetch(`${base}/v1/enrollments?uniqueName=${u.username}`, { headers: { authorization: `Bearer ${await token()}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { uniqueName: string; enrollments: { capability: string; maskedTarget: string }[] };
    expect(body.uniqueName).toBe(u.username);
    expect(body.enrollments.map((e) => [e.capability, e.maskedTarget])).toEqual([
      ["mobile_push", "Test phone"],
      ["sms_otp", "••••5678"],
      ["email_otp", `${u.username[0]}•••@mfa-bank.example`],
    ]);
    expect(await client.enrollments(endpoint, "nobody-here")).toEqual({ uniqueName: "nobody-here", enrollments: [] });
  });

  it("push: initiate → 201 PENDING with a 2-digit number; the right number on the device → SUCCESS, final", async () => {
    const u = await enrolledUser();
    const { enrollments } = await client.enrollments(endpoint, u.username);
    const push = enrollments.find((e) => e.capability === "mobile_push")!;
    const started = await client.initiate(endpoint, { uniqueName: u.username, capability: "mobile_push", enrollmentId: push.id, expiresInSeconds: 60 });
    expect(started.status).toBe("PENDING");
    expect(started.numberToMatch).toBeGreaterThanOrEqual(10);
    expect(started.numberToMatch).toBeLessThanOrEqual(99);
    const [row] = await t.query<{ choices: number[] }>(sql`SELECT choices FROM mock_provider_transactions WHERE id = ${started.transactionId}`);
    expect(row!.choices).toHaveLength(3);
    expect(row!.choices).toContain(started.numberToMatch);

    expect((await client.result(endpoint, ref(started.transactionId))).status).toBe("PENDING");
    await t.query(sql`UPDATE mock_provider_transactions SET status = 'SUCCESS' WHERE id = ${started.transactionId}`); // the device page's approve
    const done = await client.result(endpoint, ref(started.transactionId));
    expect(done).toEqual({ transactionId: started.transactionId, uniqueName: u.username, capability: "mobile_push", status: "SUCCESS" });
    // Terminal states are final: cancel does not move it.
    expect((await client.cancel(endpoint, ref(started.transactionId))).status).toBe("SUCCESS");
  });

  it("push: left alone past its life → TIMEOUT; canceled → CANCELED; both final", async () => {
    const u = await enrolledUser();
    const push = (await client.enrollments(endpoint, u.username)).enrollments.find((e) => e.capability === "mobile_push")!;
    const a = await client.initiate(endpoint, { uniqueName: u.username, capability: "mobile_push", enrollmentId: push.id });
    await t.query(sql`UPDATE mock_provider_transactions SET expires_at = now() - interval '1 second' WHERE id = ${a.transactionId}`);
    expect((await client.result(endpoint, ref(a.transactionId))).status).toBe("TIMEOUT");
    expect((await client.cancel(endpoint, ref(a.transactionId))).status).toBe("TIMEOUT");

    const b = await client.initiate(endpoint, { uniqueName: u.username, capability: "mobile_push", enrollmentId: push.id });
    expect((await client.cancel(endpoint, ref(b.transactionId))).status).toBe("CANCELED");
    expect((await client.result(endpoint, ref(b.transactionId))).status).toBe("CANCELED");
  });

  it("push fatigue: more than 3 pushes a minute to one user → 429", async () => {
    const u = await enrolledUser();
    const push = (await client.enrollments(endpoint, u.username)).enrollments.find((e) => e.capability === "mobile_push")!;
    const body = { uniqueName: u.username, capability: "mobile_push" as const, enrollmentId: push.id };
    for (let i = 0; i < 3; i++) await client.initiate(endpoint, body);
    await expect(client.initiate(endpoint, body)).rejects.toMatchObject({ kind: "rate_limited", httpStatus: 429 });
  });

  it("codes: 6 digits, one guess — a wrong one is FAILED for good; the right one → SUCCESS", async () => {
    const u = await enrolledUser();
    const sms = (await client.enrollments(endpoint, u.username)).enrollments.find((e) => e.capability === "sms_otp")!;
    const a = await client.initiate(endpoint, { uniqueName: u.username, capability: "sms_otp", enrollmentId: sms.id });
    expect(a.numberToMatch).toBeUndefined();
    const code = await deliveredCode(a.transactionId);
    const wrong = code === "000000" ? "111111" : "000000";
    expect((await client.validate(endpoint, ref(a.transactionId), wrong)).status).toBe("FAILED");
    expect((await client.validate(endpoint, ref(a.transactionId), code)).status).toBe("FAILED");

    const b = await client.initiate(endpoint, { uniqueName: u.username, capability: "sms_otp", enrollmentId: sms.id });
    expect(await client.validate(endpoint, ref(b.transactionId), await deliveredCode(b.transactionId))).toMatchObject({ status: "SUCCESS", capability: "sms_otp" });
  });

  it("codes expire after 5 minutes → TIMEOUT", async () => {
    const u = await enrolledUser();
    const mail = (await client.enrollments(endpoint, u.username)).enrollments.find((e) => e.capability === "email_otp")!;
    const a = await client.initiate(endpoint, { uniqueName: u.username, capability: "email_otp", enrollmentId: mail.id });
    const [row] = await t.query<{ secs: number }>(
      sql`SELECT EXTRACT(EPOCH FROM (expires_at - created_at))::int AS secs FROM mock_provider_transactions WHERE id = ${a.transactionId}`,
    );
    expect(row!.secs).toBe(300);
    await t.query(sql`UPDATE mock_provider_transactions SET expires_at = now() - interval '1 second' WHERE id = ${a.transactionId}`);
    expect((await client.validate(endpoint, ref(a.transactionId), await deliveredCode(a.transactionId))).status).toBe("TIMEOUT");
  });

  it("initiate for another user's target, or an unknown one → 404", async () => {
    const u = await enrolledUser();
    const other = await enrolledUser();
    const sms = (await client.enrollments(endpoint, other.username)).enrollments.find((e) => e.capability === "sms_otp")!;
    await expect(client.initiate(endpoint, { uniqueName: u.username, capability: "sms_otp", enrollmentId: sms.id })).rejects.toMatchObject({
      kind: "status",
      httpStatus: 404,
    });
  });

  it("the client caches its token until it expires", async () => {
    const u = await enrolledUser();
    const before = await t.query<{ n: number }>(sql`SELECT count(*)::int AS n FROM mock_provider_tokens`);
    await client.enrollments(endpoint, u.username);
    await client.enrollments(endpoint, u.username);
    await client.enrollments(endpoint, u.username);
    const after = await t.query<{ n: number }>(sql`SELECT count(*)::int AS n FROM mock_provider_tokens`);
    expect(after[0]!.n - before[0]!.n).toBe(1);
  });
});

describe("the client against a provider that misbehaves", () => {
  let bad: http.Server;
  let badUrl: string;
  let mode = "ok";
  const hits: Record<string, number> = {};

  beforeAll(async () => {
    const s = await serve(async (req, path) => {
      const key = `${req.method} /${path.join("/")}`;
      hits[key] = (hits[key] ?? 0) + 1;
      if (key === "POST /oauth/token") {
        if (mode === "bad-token") return new Response(JSON.stringify({ error: "invalid_client" }), { status: 401 });
        return Response.json({ access_token: "a-token-of-sixteen-chars-or-more", token_type: "Bearer", expires_in: 3600 });
      }
      switch (mode) {
        case "hang":
          await new Promise((r) => setTimeout(r, 1500));
          return Response.json({});
        case "500":
          return new Response("oops", { status: 500 });
        case "garbage":
          return new Response("{not json", { status: path[1] === "mfa" && req.method === "POST" ? 201 : 200 });
        case "unknown-status":
          return Response.json({ transactionId: "txn-12345678", uniqueName: "u", capability: "sms_otp", status: "MAYBE" });
        case "wrong-status-code":
          return Response.json({ transactionId: "txn-12345678", status: "PENDING", expiresAt: new Date().toISOString() }, { status: 200 });
        default:
          return Response.json({ uniqueName: "u", enrollments: [] });
      }
    });
    bad = s.server;
    badUrl = `${s.url}/mock-provider/api`;
  });
  afterAll(() => new Promise((r) => bad?.close(r)));

  const ep = (): ProviderEndpoint => ({ id: "bad", baseUrl: badUrl, clientId: "c", clientSecret: "s", timeoutMs: 300, resources: {} });
  const initiateBody = { uniqueName: "u", capability: "sms_otp" as const, enrollmentId: "e1" };

  it.each([
    ["hang", "timeout"],
    ["500", "status"],
    ["garbage", "malformed"],
    ["unknown-status", "malformed"],
    ["bad-token", "auth"],
  ])("%s → a ProviderFault (%s)", async (m, kind) => {
    mode = m;
    await expect(client.result(ep(), ref("txn-12345678"))).rejects.toMatchObject({ kind });
  });

  it("an unexpected status code (200 where 201 is expected) is a fault", async () => {
    mode = "wrong-status-code";
    await expect(client.initiate(ep(), initiateBody)).rejects.toMatchObject({ kind: "status", httpStatus: 200 });
  });

  it("a closed port is a network fault", async () => {
    await expect(client.enrollments({ ...ep(), baseUrl: "http://127.0.0.1:9/api" }, "u")).rejects.toBeInstanceOf(ProviderFault);
  });

  it("retries a GET once on a 5xx, never a POST", async () => {
    mode = "500";
    hits["GET /v1/mfa/transactions/txn-12345678"] = 0;
    hits["POST /v1/mfa"] = 0;
    await expect(client.result(ep(), ref("txn-12345678"))).rejects.toBeInstanceOf(ProviderFault);
    await expect(client.initiate(ep(), initiateBody)).rejects.toBeInstanceOf(ProviderFault);
    expect(hits["GET /v1/mfa/transactions/txn-12345678"]).toBe(2);
    expect(hits["POST /v1/mfa"]).toBe(1);
  });
});
