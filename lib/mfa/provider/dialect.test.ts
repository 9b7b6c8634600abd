import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DIALECT_CLIENT, DIALECT_RESOURCES, startDialectProvider, type DialectProvider } from "@/e2e/dialect-provider";
import * as client from "./client";
import { ProviderFault, type ProviderEndpoint } from "./client";
import { resolveResource, resourcesSchema, type Resources } from "./resources";
import { checkExpression, EVAL_TIMEOUT_MS, runTransform, TransformError } from "./transform";

/**
 * Resources and CEL transforms (docs/PROVIDER-CONTRACT.md "Resources and transforms"): the
 * client against a provider with another dialect, configured only by DIALECT_RESOURCES; then the
 * transform runtime's limits, one by one.
 */

/** The console's text fields → the stored shape ("202" → [202]). */
const stored = (): Resources =>
  resourcesSchema.parse(
    Object.fromEntries(
      Object.entries(DIALECT_RESOURCES).map(([k, v]) => [
        k,
        { ...v, ...("expectedStatus" in v ? { expectedStatus: v.expectedStatus.split(",").map(Number) } : {}) },
      ]),
    ),
  );

let dx: DialectProvider;
let ep: ProviderEndpoint;
beforeAll(async () => {
  dx = await startDialectProvider();
  ep = { id: "dialect", baseUrl: dx.url, clientId: DIALECT_CLIENT.id, clientSecret: DIALECT_CLIENT.secret, timeoutMs: 2000, resources: stored() };
});
afterAll(() => dx?.close());
beforeEach(() => {
  client.clearTokenCache();
  dx.hits.length = 0;
});

const user = "dana@example.com";

describe("a provider with its own dialect, adapted by transforms", () => {
  it("without the transforms nothing fits: the contract's paths do not exist there", async () => {
    await expect(client.enrollments({ ...ep, resources: {} }, user)).rejects.toMatchObject({ kind: "status", httpStatus: 404 });
  });

  it("enrollments → its devices, SMS only, in the contract's shape", async () => {
    expect(await client.enrollments(ep, user)).toEqual({
      uniqueName: user,
      enrollments: [{ id: "dev-sms-1", capability: "sms_otp", maskedTarget: "•••• 9876" }],
    });
    expect(dx.hits).toContain("GET /dx/people/dana%40example.com/devices");
  });

  it("sms_otp_1 (202, txnRef) → initiate; sms_otp_2 (decision) → validate; a wrong code is FAILED", async () => {
    const started = await client.initiate(ep, { uniqueName: user, capability: "sms_otp", enrollmentId: "dev-sms-1" });
    expect(started).toMatchObject({ status: "PENDING", transactionId: expect.stringMatching(/^dx-/) });
    const ref = { transactionId: started.transactionId, uniqueName: user, capability: "sms_otp" as const };
    expect(await client.result(ep, ref)).toEqual({ ...ref, status: "PENDING" });
    expect(await client.validate(ep, ref, dx.codeFor(user))).toEqual({ ...ref, status: "SUCCESS" });
    expect(dx.hits).toContain(`POST /dx/challenges/${started.transactionId}/sms-answer`);
    expect(dx.hits.some((h) => h.includes("/v1/"))).toBe(false);

    const second = await client.initiate(ep, { uniqueName: user, capability: "sms_otp", enrollmentId: "dev-sms-1" });
    const ref2 = { ...ref, transactionId: second.transactionId };
    expect((await client.validate(ep, ref2, "000000" === dx.codeFor(user) ? "111111" : "000000")).status).toBe("FAILED");
    const third = await client.initiate(ep, { uniqueName: user, capability: "sms_otp", enrollmentId: "dev-sms-1" });
    expect((await client.cancel(ep, { ...ref, transactionId: third.transactionId })).status).toBe("CANCELED");
  });

  it("a capability's own resource replaces the generic one only for that capability", () => {
    const r = stored();
    expect(resolveResource(r, "validate", "sms_otp").name).toBe("sms_otp_2");
    expect(resolveResource(r, "validate", "email_otp")).toEqual({ name: "validate", suffix: "/v1/mfa/validate", method: "POST", expectedStatus: [200] });
    expect(resolveResource(r, "initiate", "sms_otp")).toMatchObject({ name: "sms_otp_1", suffix: "/challenges", method: "POST", expectedStatus: [202] });
  });

  it("a transform that fails at run time, or answers the wrong shape, is a transform fault", async () => {
    const broken = (incoming: string): ProviderEndpoint => ({ ...ep, resources: { ...stored(), enrollments: { ...DIALECT_RESOURCES.enrollments, incoming } } });
    await expect(client.enrollments(broken("body.nothing.here"), user)).rejects.toMatchObject({ kind: "transform", resource: "enrollments" });
    await expect(client.enrollments(broken(`{"uniqueName": body.person}`), user)).rejects.toMatchObject({ kind: "malformed" });
    await expect(client.enrollments(broken(`b"bytes"`), user)).rejects.toMatchObject({ kind: "transform" });
  });

  it("an outgoing transform cannot leave the base URL, set the token header, or send a non-request", async () => {
    const out = (outgoing: string): ProviderEndpoint => ({ ...ep, resources: { enrollments: { outgoing } } });
    for (const o of [`{"path": "/../../etc"}`, `{"path": "/%2e%2e/x"}`, `{"path": "//evil.example/x"}`]) {
      const err = await client.enrollments(out(o), user).catch((e: unknown) => e);
      expect(err, o).toBeInstanceOf(ProviderFault);
      expect(dx.hits.filter((h) => !h.startsWith("POST /dx/oauth")).every((h) => h.startsWith("GET /dx/")), o).toBe(true);
    }
    await expect(client.enrollments(out(`{"headers": {"Authorization": "Bearer stolen"}}`), user)).rejects.toMatchObject({ kind: "transform" });
    await expect(client.enrollments(out(`{"url": "http://evil.example"}`), user)).rejects.toMatchObject({ kind: "transform" });
    await expect(client.enrollments(out(`"just a string"`), user)).rejects.toMatchObject({ kind: "transform" });
  });

  it("an unreadable stored configuration serves nothing", async () => {
    await expect(client.enrollments({ ...ep, resources: null }, user)).rejects.toMatchObject({ kind: "transform" });
  });
});

describe("the transform runtime's limits", () => {
  it("compiles at save time: syntax, unknown variables and type errors are refused with a reason", () => {
    expect(checkExpression("incoming", "body.txnRef")).toBeNull();
    expect(checkExpression("incoming", "body.")).toMatch(/^does not compile/);
    expect(checkExpression("incoming", "params.x")).toMatch(/Unknown variable: params/);
    expect(checkExpression("outgoing", "status_code")).toMatch(/Unknown variable: status_code/);
    expect(checkExpression("incoming", 'status_code + "x"')).toMatch(/no such overload/);
    expect(checkExpression("incoming", "   ")).toBe("empty expression");
    expect(checkExpression("incoming", "x".repeat(4001))).toMatch(/at most 4000/);
  });

  it("AST size and depth are capped by the parser", () => {
    expect(checkExpression("incoming", Array.from({ length: 400 }, () => "1").join(" + "))).toMatch(/maxAstNodes/);
    expect(checkExpression("incoming", `${"[".repeat(30)}1${"]".repeat(30)}`)).toMatch(/maxDepth/);
  });

  it("an expression that blows up is stopped by the time limit", () => {
    const list = Array.from({ length: 500 }, (_, i) => i);
    const t = Date.now();
    expect(() => runTransform("incoming", "body.map(a, body.map(b, body.map(c, a * b * c))).size()", { body: list })).toThrow(new RegExp(`took longer than ${EVAL_TIMEOUT_MS} ms`));
    expect(Date.now() - t).toBeLessThan(EVAL_TIMEOUT_MS + 2000);
  });

  it("input and output sizes are capped; the result must be JSON", () => {
    expect(() => runTransform("incoming", "body", { body: "x".repeat(70 * 1024) })).toThrow(/input is larger/);
    expect(() => runTransform("incoming", "body.map(a, body)", { body: Array.from({ length: 200 }, () => "x".repeat(100)) })).toThrow(/result is larger/);
    expect(() => runTransform("incoming", 'timestamp("2026-01-01T00:00:00Z")', {})).toThrow(TransformError);
    expect(() => runTransform("incoming", '{"raw": b"bytes"}', {})).toThrow(/not JSON/);
  });

  it("whole numbers are CEL ints and come back as numbers; missing keys are runtime errors", () => {
    expect(runTransform("incoming", '{"n": body.n + 1, "ok": status_code == 202}', { body: { n: 41 }, status_code: 202 })).toEqual({ n: 42, ok: true });
    expect(() => runTransform("incoming", '{"A": "S"}[body.d]', { body: { d: "MAYBE" } })).toThrow(/No such key/);
  });

  it("a __proto__ key in the provider's answer is data, not a prototype", () => {
    const body = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as unknown;
    expect(runTransform("incoming", "body", { body })).toEqual(JSON.parse('{"__proto__": {"polluted": true}, "a": 1}'));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
