import { describe, expect, it } from "vitest";
import { ACTION_BODY_LIMIT, checkActionRequest, safeReplyRoot } from "./action-request";

const ID = "7f".padEnd(42, "0");

function post(body: BodyInit, headers: Record<string, string>) {
  return new Request("http://127.0.0.1:3000/login", { method: "POST", body, headers: { host: "127.0.0.1:3000", ...headers } });
}

function replyForm(root: string, fields: Record<string, string> = {}) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(`_1_${k}`, v);
  form.append("0", root);
  return form;
}

describe("safeReplyRoot", () => {
  it("accepts what our forms send: prevState and the FormData reference", () => {
    expect(safeReplyRoot(JSON.stringify([{ status: "idle" }, "$K1"]))).toBe(true);
    expect(safeReplyRoot(JSON.stringify([{ status: "error", message: "x", fieldErrors: { a: ["$$escaped"] }, retryAfterMs: 5 }, "$K1"]))).toBe(true);
    expect(safeReplyRoot('["$undefined","$D2026-01-01T00:00:00.000Z","$n123","$-0","$NaN"]')).toBe(true);
  });
  it("refuses junk and references to parts a form never has", () => {
    for (const root of ["junk", "", "[", "1676626577", "true", "{}", '"$K1"', '["$Q2"]', '["$@1"]', '["$B1"]', '["$T"]', '["$F1"]', '["$"]', '["$nabc"]', '[{"a":["$W3"]}]']) {
      expect(safeReplyRoot(root), root).toBe(false);
    }
  });
});

describe("checkActionRequest", () => {
  it("lets a well-formed action call and ordinary requests through", async () => {
    expect(await checkActionRequest(post(replyForm('[{"status":"idle"},"$K1"]', { username: "a" }), { "next-action": ID }))).toEqual({ ok: true });
    expect(await checkActionRequest(post('[{"status":"idle"},"$K1"]', { "next-action": ID, "content-type": "text/plain;charset=UTF-8" }))).toEqual({ ok: true });
    expect(await checkActionRequest(post("a=b", { "content-type": "application/x-www-form-urlencoded" }))).toEqual({ ok: true });
    expect(await checkActionRequest(post(replyForm('[{"status":"idle"},"$K1"]'), { "next-action": ID, origin: "http://127.0.0.1:3000" }))).toEqual({ ok: true });
  });

  it("refuses what Next would answer with a 500", async () => {
    const status = async (r: Request) => {
      const v = await checkActionRequest(r);
      return v.ok ? 200 : v.status;
    };
    expect(await status(post("junk", { "next-action": ID, "content-type": "text/plain" }))).toBe(400);
    expect(await status(post('["$Q2"]', { "next-action": ID, "content-type": "text/plain" }))).toBe(400);
    expect(await status(post(new Uint8Array([0xff, 0xfe]), { "next-action": ID, "content-type": "text/plain" }))).toBe(400);
    expect(await status(post("abc", { "content-type": "multipart/form-data; boundary=nope" }))).toBe(400);
    expect(await status(post("abc", { "content-type": "multipart/form-data" }))).toBe(400);
    expect(await status(post(replyForm("[1]", { x: "y" }).get("0") as string, { "next-action": ID, "content-type": "multipart/form-data; boundary=x" }))).toBe(400);
    const noRoot = new FormData();
    noRoot.append("_1_x", "y");
    expect(await status(post(noRoot, { "next-action": ID }))).toBe(400);
    const nul = "--b\r\nContent-Disposition: form-data; name=\"a\u0000b\"\r\n\r\nx\r\n--b\r\nContent-Disposition: form-data; name=\"0\"\r\n\r\n[]\r\n--b--\r\n";
    expect(await status(post(nul, { "next-action": ID, "content-type": "multipart/form-data; boundary=b" }))).toBe(400);
    expect(await status(post(nul.replace("\u0000", ""), { "next-action": ID, "content-type": "multipart/form-data; boundary=b" }))).toBe(200);
    expect(await status(post(replyForm('["$K1"]'), { "next-action": ID, origin: "http://evil.example" }))).toBe(403);
    expect(await status(post(replyForm('["$K1"]'), { "next-action": ID, origin: "null" }))).toBe(403);
    expect(await status(post(replyForm('["$K1"]'), { "next-action": ID, rsc: "1" }))).toBe(400);
    expect(await status(post("a".repeat(ACTION_BODY_LIMIT + 1), { "next-action": ID, "content-type": "text/plain" }))).toBe(413);
  });

  it("checks a no-JavaScript form's action reference and bound arguments", async () => {
    const mpa = (meta: string, bound?: string) => {
      const f = new FormData();
      f.append("$ACTION_REF_1", "");
      f.append("$ACTION_1:0", meta);
      if (bound !== undefined) f.append("$ACTION_1:1", bound);
      f.append("username", "a");
      return post(f, {});
    };
    expect(await checkActionRequest(mpa(JSON.stringify({ id: "7f00ab", bound: "$@1" }), '[{"status":"idle"}]'))).toEqual({ ok: true });
    expect((await checkActionRequest(mpa("junk"))).ok).toBe(false);
    expect((await checkActionRequest(mpa(JSON.stringify({ id: "7f00ab", bound: "$@1" })))).ok).toBe(false);
    expect((await checkActionRequest(mpa(JSON.stringify({ id: "7f00ab", bound: "$@1" }), '["$Q1"]'))).ok).toBe(false);
    expect((await checkActionRequest(mpa(JSON.stringify({ id: "../x", bound: null })))).ok).toBe(false);
  });
});
