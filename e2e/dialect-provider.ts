import { randomInt } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A provider that does not speak the bank's contract (docs/PROVIDER-CONTRACT.md, "Worked
 * example: a provider with its own dialect"), written here from its own imagined API:
 *
 *   POST /dx/oauth/token                       client credentials (like the contract)
 *   GET  /dx/people/{email}/devices            200 {person, devices: [{deviceRef, kind, label}]}
 *   POST /dx/challenges                        202 {txnRef, state: "WAITING", validUntil}
 *   POST /dx/challenges/{txnRef}/sms-answer    200 {txnRef, user, decision: APPROVED|REJECTED|EXPIRED}
 *   GET  /dx/challenges/{txnRef}               200 {txnRef, user, decision: null|…}
 *   POST /dx/challenges/{txnRef}/abort         200 {txnRef, user, decision: "ABORTED"}
 *
 * No /v1/… path exists here, so nothing works until the bank's resources for this provider are
 * configured with DIALECT_RESOURCES. Used by e2e/external-dialect.spec.ts and by
 * lib/mfa/provider/dialect.test.ts (the client alone).
 */

export const DIALECT_CLIENT = { id: "dialect-client", secret: "dialect-secret" };
const TOKEN = "dialect-token-0123456789abcdef";

type Txn = { user: string; code: string; decision: null | "APPROVED" | "REJECTED" | "EXPIRED" | "ABORTED" };

export type DialectProvider = {
  url: string;
  /** The code last sent to this person. */
  codeFor(user: string): string;
  /** Every request as "METHOD /path": which endpoints the bank really called. */
  hits: string[];
  close(): Promise<void>;
};

function json(res: http.ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

export async function startDialectProvider(port = 0): Promise<DialectProvider> {
  const txns = new Map<string, Txn>();
  const hits: string[] = [];
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const url = new URL(req.url!, "http://127.0.0.1");
    const route = `${req.method} ${url.pathname}`;
    hits.push(route);
    if (route === "POST /dx/oauth/token") {
      const basic = Buffer.from((req.headers.authorization ?? "").replace(/^Basic /, ""), "base64").toString();
      if (basic !== `${DIALECT_CLIENT.id}:${DIALECT_CLIENT.secret}`) return json(res, 401, { error: "invalid_client" });
      return json(res, 200, { access_token: TOKEN, token_type: "Bearer", expires_in: 600 });
    }
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return json(res, 401, { error: "invalid_token" });
    let body: Record<string, string> = {};
    try {
      body = raw ? (JSON.parse(raw) as Record<string, string>) : {};
    } catch {
      return json(res, 400, { problem: "not json" });
    }
    let m: RegExpExecArray | null;
    if (req.method === "GET" && (m = /^\/dx\/people\/([^/]+)\/devices$/.exec(url.pathname))) {
      const person = decodeURIComponent(m[1]!);
      return json(res, 200, {
        person,
        devices: [
          { deviceRef: "dev-sms-1", kind: "SMS", label: "•••• 9876" },
          { deviceRef: "dev-app-1", kind: "APP", label: "Phone app" },
        ],
      });
    }
    if (route === "POST /dx/challenges") {
      if (body.channel !== "sms" || body.device !== "dev-sms-1" || !body.user) return json(res, 422, { problem: "unknown device" });
      const txnRef = `dx-${randomInt(1e9, 1e10)}`;
      txns.set(txnRef, { user: body.user, code: String(randomInt(0, 1e6)).padStart(6, "0"), decision: null });
      return json(res, 202, { txnRef, state: "WAITING", validUntil: new Date(Date.now() + 300_000).toISOString() });
    }
    if ((m = /^\/dx\/challenges\/([^/]+)(\/sms-answer|\/abort)?$/.exec(url.pathname))) {
      const txnRef = decodeURIComponent(m[1]!);
      const t = txns.get(txnRef);
      if (!t) return json(res, 404, { problem: "no such challenge" });
      if (req.method === "POST" && m[2] === "/sms-answer") {
        if (t.decision === null) t.decision = body.otp === t.code ? "APPROVED" : "REJECTED";
      } else if (req.method === "POST" && m[2] === "/abort") {
        if (t.decision === null) t.decision = "ABORTED";
      } else if (req.method !== "GET" || m[2]) {
        return json(res, 405, { problem: "method" });
      }
      return json(res, 200, { txnRef, user: t.user, decision: t.decision });
    }
    return json(res, 404, { problem: "not found" });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/dx`,
    hits,
    codeFor: (user) => [...txns.values()].filter((t) => t.user === user).at(-1)!.code,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

/**
 * The bank's configuration for this dialect, resource by resource: what an administrator types
 * into the console (docs/PROVIDER-CONTRACT.md shows the same). The generic `validate` is left at
 * its default: this provider has no such endpoint, so only `sms_otp_2` can serve a code.
 */
export const DIALECT_RESOURCES = {
  enrollments: {
    outgoing: `{"path": "/people/" + urlEncode(params.uniqueName) + "/devices"}`,
    incoming: `{"uniqueName": body.person, "enrollments": body.devices.filter(d, d.kind == "SMS").map(d, {"id": d.deviceRef, "capability": "sms_otp", "maskedTarget": d.label})}`,
  },
  sms_otp_1: {
    suffix: "/challenges",
    expectedStatus: "202",
    outgoing: `{"body": {"user": body.uniqueName, "device": body.enrollmentId, "channel": "sms"}}`,
    incoming: `{"transactionId": body.txnRef, "status": body.state == "WAITING" ? "PENDING" : "FAILED", "expiresAt": body.validUntil}`,
  },
  sms_otp_2: {
    outgoing: `{"path": "/challenges/" + urlEncode(params.transactionId) + "/sms-answer", "body": {"otp": body.code}}`,
    incoming: `{"transactionId": body.txnRef, "uniqueName": body.user, "capability": "sms_otp", "status": {"APPROVED": "SUCCESS", "REJECTED": "FAILED", "EXPIRED": "TIMEOUT"}[body.decision]}`,
  },
  result: {
    suffix: "/challenges",
    incoming: `{"transactionId": body.txnRef, "uniqueName": body.user, "capability": request.params.capability, "status": body.decision == null ? "PENDING" : {"APPROVED": "SUCCESS", "REJECTED": "FAILED", "EXPIRED": "TIMEOUT", "ABORTED": "CANCELED"}[body.decision]}`,
  },
  cancel: {
    outgoing: `{"path": "/challenges/" + urlEncode(params.transactionId) + "/abort"}`,
    incoming: `{"transactionId": body.txnRef, "uniqueName": body.user, "capability": request.params.capability, "status": body.decision == null ? "PENDING" : {"APPROVED": "SUCCESS", "REJECTED": "FAILED", "EXPIRED": "TIMEOUT", "ABORTED": "CANCELED"}[body.decision]}`,
  },
} as const;
