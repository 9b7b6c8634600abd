import { describe, expect, it } from "vitest";
import { DIALECT_RESOURCES } from "@/e2e/dialect-provider";
import { z } from "zod";
import { providerResourcesSchema, resourceChanges, resourcesOf, tryTransform, tryTransformSchema } from "./providers";

/** The admin console's resources form and "Try a transform". */

const providerId = "7d3f2c1e-8a4b-4c5d-9e6f-0a1b2c3d4e5f";

describe("the resources form", () => {
  it("blank fields are the contract's defaults: nothing is stored", () => {
    const parsed = providerResourcesSchema.parse({ providerId, "r.initiate.suffix": "", "r.initiate.method": "", "r.validate.incoming": "  " });
    expect(resourcesOf(parsed)).toEqual({});
  });

  it("the dialect's configuration as typed → the stored overrides", () => {
    const form: Record<string, string> = { providerId };
    for (const [name, fields] of Object.entries(DIALECT_RESOURCES)) for (const [k, v] of Object.entries(fields)) form[`r.${name}.${k}`] = v;
    const resources = resourcesOf(providerResourcesSchema.parse(form));
    expect(resources.sms_otp_1).toMatchObject({ suffix: "/challenges", expectedStatus: [202] });
    expect(resources.sms_otp_2?.incoming).toBe(DIALECT_RESOURCES.sms_otp_2.incoming);
    expect(resourceChanges({}, resources).map((c) => c.field)).toEqual(["resources.enrollments", "resources.result", "resources.cancel", "resources.sms_otp_1", "resources.sms_otp_2"]);
    expect(resourceChanges(resources, resources)).toEqual([]);
  });

  it("a compile error, a bad suffix, method or status list is a field error under that field", () => {
    const r = providerResourcesSchema.safeParse({
      providerId,
      "r.sms_otp_2.incoming": '{"status": body.decision ==}',
      "r.enrollments.outgoing": "params.nope + status_code",
      "r.initiate.suffix": "/a/../b",
      "r.initiate.method": "TRACE",
      "r.result.expectedStatus": "200, abc",
    });
    expect(r.success).toBe(false);
    const errors = z.flattenError(r.error!).fieldErrors as Record<string, string[] | undefined>;
    expect(errors["r.sms_otp_2.incoming"]?.[0]).toMatch(/^Incoming transform: does not compile: /);
    expect(errors["r.enrollments.outgoing"]?.[0]).toMatch(/^Outgoing transform: does not compile: .*status_code/);
    expect(errors["r.initiate.suffix"]?.[0]).toMatch(/^Suffix: /);
    expect(errors["r.initiate.method"]?.[0]).toMatch(/^Method: /);
    expect(errors["r.result.expectedStatus"]?.[0]).toMatch(/^Expected status: /);
  });
});

describe("Try a transform", () => {
  const run = (x: Record<string, string>) => tryTransform(tryTransformSchema.parse(x));

  it("an incoming result is checked against the contract's response of that resource", () => {
    const ok = run({
      resource: "sms_otp_2",
      direction: "incoming",
      expression: DIALECT_RESOURCES.sms_otp_2.incoming,
      sample: '{"body": {"txnRef": "dx-1234567890", "user": "dana@example.com", "decision": "REJECTED"}}',
    });
    expect(ok).toMatchObject({ ok: true, result: { fits: true, verdict: "Matches the contract's validate response." } });
    expect(JSON.parse((ok as { result: { output: string } }).result.output)).toMatchObject({ status: "FAILED" });

    const shape = run({ resource: "initiate", direction: "incoming", expression: "body", sample: '{"body": {"txnRef": "x"}}' });
    expect(shape).toMatchObject({ ok: true, result: { fits: false, verdict: expect.stringMatching(/^Does not match the contract's initiate response/) } });

    const boom = run({ resource: "sms_otp_2", direction: "incoming", expression: '{"A": 1}[body.d]', sample: '{"body": {"d": "B"}}' });
    expect(boom).toMatchObject({ ok: true, result: { fits: false, output: "", verdict: expect.stringMatching(/provider fault.*No such key: B/) } });
  });

  it("an outgoing result must be a request under the base URL", () => {
    const ok = run({ resource: "sms_otp_2", direction: "outgoing", expression: DIALECT_RESOURCES.sms_otp_2.outgoing, sample: '{"body": {"code": "123456"}, "params": {"transactionId": "dx-1"}}' });
    expect(ok).toMatchObject({ ok: true, result: { fits: true, verdict: "Would send POST {base URL}/challenges/dx-1/sms-answer." } });
    const bad = run({ resource: "initiate", direction: "outgoing", expression: '{"headers": {"authorization": "x"}}', sample: "{}" });
    expect(bad).toMatchObject({ ok: true, result: { fits: false } });
  });

  it("unknown variables in the sample and expressions that do not compile are field errors", () => {
    expect(run({ resource: "initiate", direction: "incoming", expression: "body", sample: '{"params": {}}' })).toMatchObject({ ok: false, fieldErrors: { sample: [expect.stringMatching(/unknown variable params/)] } });
    expect(run({ resource: "initiate", direction: "incoming", expression: "body.", sample: "{}" })).toMatchObject({ ok: false, fieldErrors: { expression: [expect.stringMatching(/does not compile/)] } });
    expect(tryTransformSchema.safeParse({ resource: "initiate", direction: "incoming", expression: "body", sample: "[1]" }).success).toBe(false);
    expect(tryTransformSchema.safeParse({ resource: "nope", direction: "incoming", expression: "body", sample: "{}" }).success).toBe(false);
  });
});
