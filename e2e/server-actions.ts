import fs from "node:fs";
import path from "node:path";
import type { APIRequestContext } from "@playwright/test";

/**
 * Calls a server action the way a hand-made request would — no page, no UI — to prove the
 * action checks the session itself. The id comes from the build's server-reference manifest.
 */
export function actionId(filename: string, exportedName: string): string {
  const dist = process.env.NEXT_DIST_DIR ?? ".next-e2e";
  const manifest = JSON.parse(fs.readFileSync(path.join(dist, "server", "server-reference-manifest.json"), "utf8")) as {
    node: Record<string, { filename: string; exportedName: string }>;
  };
  const hit = Object.entries(manifest.node).find(([, v]) => v.filename === filename && v.exportedName === exportedName);
  if (!hit) throw new Error(`No server action ${exportedName} in ${filename}`);
  return hit[0];
}

/**
 * POSTs (prevState, formData) in React's reply encoding: FormData fields prefixed "_1_", then
 * field "0" holding the argument list that points at them ("$K1").
 */
export async function callAction(
  request: APIRequestContext,
  pagePath: string,
  id: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  // React streams the reply: the referenced fields must come before the root part "0" (a
  // FormData keeps that order; a plain object would put the integer-like key "0" first).
  const multipart = new FormData();
  for (const [k, v] of Object.entries(fields)) multipart.append(`_1_${k}`, v);
  multipart.append("0", JSON.stringify([{ status: "idle" }, "$K1"]));
  const res = await request.post(pagePath, {
    headers: { ...headers, "Next-Action": id, Accept: "text/x-component" },
    multipart,
    maxRedirects: 0,
  });
  return { status: res.status(), body: await res.text() };
}
