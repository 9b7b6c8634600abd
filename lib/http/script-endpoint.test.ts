import { describe, expect, it } from "vitest";
import type { ActionState } from "@/lib/actions/state";
import { getEnv } from "@/lib/env";
import { SCRIPT_HEADER } from "./script-call";
import { SCRIPT_BODY_LIMIT, scriptEndpoint } from "./script-endpoint";

/** A stand-in action that records what reached it. */
function recording() {
  const calls: Record<string, string>[] = [];
  const action = async (_prev: ActionState<unknown>, form: FormData): Promise<ActionState<unknown>> => {
    calls.push(Object.fromEntries([...form.entries()].map(([k, v]) => [k, String(v)])));
    return { status: "error", message: "Incorrect username or password.", values: { username: String(form.get("username")) } };
  };
  return { calls, POST: scriptEndpoint(action) };
}

const origin = () => new URL(getEnv().appUrl).origin;

function post(init: { origin?: string | null; script?: string | null; body?: BodyInit; contentType?: string }) {
  const headers = new Headers();
  headers.set("host", new URL(origin()).host);
  if (init.origin !== null) headers.set("origin", init.origin ?? origin());
  if (init.script !== null) headers.set(SCRIPT_HEADER, init.script ?? "1");
  if (init.contentType) headers.set("content-type", init.contentType);
  const form = new FormData();
  form.set("username", "alice");
  form.set("password", "wrong");
  return new Request(`${origin()}/api/sign-in/password`, { method: "POST", headers, body: init.body ?? form });
}

describe("scriptEndpoint", () => {
  it("runs the action for the bank's own page and answers its state as JSON", async () => {
    const { calls, POST } = recording();
    const r = await POST(post({}));
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/^application\/json/);
    expect(r.headers.get("cache-control")).toBe("no-store");
    expect(await r.json()).toEqual({ status: "error", message: "Incorrect username or password.", values: { username: "alice" } });
    expect(calls).toEqual([{ username: "alice", password: "wrong" }]);
    // urlencoded works too
    const r2 = await POST(post({ body: "username=bob&password=x", contentType: "application/x-www-form-urlencoded" }));
    expect(r2.status).toBe(200);
    expect(calls[1]).toEqual({ username: "bob", password: "x" });
  });

  it("refuses, without running the action: another origin, no origin, no script header, a body that is not a form, one over the limit, a broken multipart body", async () => {
    const { calls, POST } = recording();
    const refusals: [Request, number][] = [
      [post({ origin: "http://evil.example" }), 403],
      [post({ origin: "null" }), 403],
      [post({ origin: `http://${new URL(origin()).host}.evil.example` }), 403],
      [post({ origin: null }), 403],
      [post({ script: null }), 403],
      [post({ script: "0" }), 403],
      [post({ body: JSON.stringify({ username: "alice", password: "x" }), contentType: "application/json" }), 415],
      [post({ body: "x".repeat(10), contentType: "text/plain" }), 415],
      [post({ body: `username=${"a".repeat(SCRIPT_BODY_LIMIT)}`, contentType: "application/x-www-form-urlencoded" }), 413],
      [post({ body: "--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nunterminated", contentType: "multipart/form-data; boundary=b" }), 400],
    ];
    for (const [request, status] of refusals) {
      const r = await POST(request);
      expect(r.status, `${request.headers.get("origin")} ${request.headers.get("content-type")}`).toBe(status);
      const body = (await r.json()) as { message?: unknown };
      expect(typeof body.message).toBe("string");
    }
    expect(calls).toEqual([]);
  });
});
