import { randomInt } from "node:crypto";
import http from "node:http";
import { expect, formAlert, signIn, test, waitForHydration } from "./fixtures";

/**
 * A second, independent provider — not the app's mock: a small HTTP server written here from
 * docs/PROVIDER-CONTRACT.md alone, on the port the pool's "ind" provider row points at. It
 * names users by e-mail. The app signs in through it; then it misbehaves.
 */
type Mode = "ok" | "hang" | "500" | "garbage" | "unknown-status";
let mode: Mode = "ok";
const sent = new Map<string, { uniqueName: string; code: string; status: string }>();
let server: http.Server;

function json(res: http.ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

test.describe.configure({ mode: "serial" });

test.beforeAll(async () => {
  server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const url = new URL(req.url!, "http://127.0.0.1");
    const route = `${req.method} ${url.pathname}`;
    if (route === "POST /api/oauth/token") {
      const basic = Buffer.from((req.headers.authorization ?? "").replace(/^Basic /, ""), "base64").toString();
      if (basic !== "independent-client:independent-secret" || !body.includes("grant_type=client_credentials")) return json(res, 401, { error: "invalid_client" });
      return json(res, 200, { access_token: "independent-token-0123456789", token_type: "Bearer", expires_in: 600 });
    }
    if (req.headers.authorization !== "Bearer independent-token-0123456789") return json(res, 401, { error: "invalid_token" });
    if (mode === "hang") return; // never answers
    if (mode === "500") return json(res, 500, { error: "server_error" });
    if (mode === "garbage") {
      res.writeHead(200, { "content-type": "application/json" });
      return res.end("<html>not json");
    }
    if (mode === "unknown-status" && route === "POST /api/v1/mfa") {
      return json(res, 201, { transactionId: "ind-odd-000000", status: "PERHAPS", expiresAt: new Date().toISOString() });
    }
    if (route === "GET /api/v1/enrollments") {
      const uniqueName = url.searchParams.get("uniqueName") ?? "";
      return json(res, 200, { uniqueName, enrollments: [{ id: "phone-1", capability: "sms_otp", maskedTarget: "••••4321" }] });
    }
    if (route === "POST /api/v1/mfa") {
      const { uniqueName, capability, enrollmentId } = JSON.parse(body) as Record<string, string>;
      if (capability !== "sms_otp" || enrollmentId !== "phone-1") return json(res, 404, { error: "enrollment_not_found" });
      const transactionId = `ind-${randomInt(1e9, 1e10)}`;
      sent.set(transactionId, { uniqueName: uniqueName!, code: String(randomInt(0, 1e6)).padStart(6, "0"), status: "PENDING" });
      return json(res, 201, { transactionId, status: "PENDING", expiresAt: new Date(Date.now() + 300_000).toISOString() });
    }
    if (route === "POST /api/v1/mfa/validate") {
      const { transactionId, code } = JSON.parse(body) as Record<string, string>;
      const t = sent.get(transactionId!);
      if (!t) return json(res, 404, { error: "transaction_not_found" });
      if (t.status === "PENDING") t.status = code === t.code ? "SUCCESS" : "FAILED";
      return json(res, 200, { transactionId, uniqueName: t.uniqueName, capability: "sms_otp", status: t.status });
    }
    return json(res, 404, { error: "not_found" });
  });
  await new Promise<void>((resolve) => server.listen(Number(process.env.E2E_INDEPENDENT_PROVIDER_PORT), "127.0.0.1", resolve));
});

test.afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
});

const codeFor = (email: string) => [...sent.values()].filter((t) => t.uniqueName === email).at(-1)!.code;

test("signs in through a second, independent provider on another port", async ({ page, makeUser }) => {
  mode = "ok";
  const user = await makeUser("independent");
  await signIn(page, user, { mfa: false });
  await waitForHydration(page);
  await expect(page.getByRole("radio", { name: "SMS to ••••4321" })).toBeChecked();
  await page.getByRole("button", { name: "Send code" }).click();
  await expect(page.getByRole("textbox", { name: "6-digit code" })).toBeVisible();
  await page.getByRole("textbox", { name: "6-digit code" }).fill(codeFor(`${user.username}@e2e.mfa-bank.example`));
  await page.getByRole("button", { name: "Verify" }).click();
  await page.waitForURL((url) => url.pathname === "/dashboard");
});

test("when it fails with 500, sends garbage, hangs or answers an unknown status: a clear message, nothing counted", async ({ page, makeUser }) => {
  test.setTimeout(60_000);
  const user = await makeUser("independent");
  await signIn(page, user, { mfa: false });
  const unavailable = "The verification service is unavailable. Choose another method.";
  for (const m of ["500", "garbage", "hang"] as const) {
    await test.step(`${m}: listing the targets fails`, async () => {
      mode = m;
      await page.reload();
      await waitForHydration(page);
      await expect(formAlert(page)).toHaveText(unavailable);
    });
  }
  await test.step("an unknown status when sending the code", async () => {
    mode = "unknown-status";
    await page.reload();
    await waitForHydration(page);
    await page.getByRole("button", { name: "Send code" }).click();
    await expect(formAlert(page)).toHaveText(unavailable);
  });
  await test.step("back to normal: the code signs in at once (no backoff was started)", async () => {
    mode = "ok";
    await page.reload();
    await waitForHydration(page);
    await page.getByRole("button", { name: "Send code" }).click();
    await expect(page.getByRole("textbox", { name: "6-digit code" })).toBeVisible();
    await page.getByRole("textbox", { name: "6-digit code" }).fill(codeFor(`${user.username}@e2e.mfa-bank.example`));
    await page.getByRole("button", { name: "Verify" }).click();
    await page.waitForURL((url) => url.pathname === "/dashboard");
  });
});
