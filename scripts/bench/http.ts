// A small HTTP/1.1 client for the bench: keep-alive sockets (one per concurrent flow), a cookie
// jar per simulated browser, and server actions posted in React's reply encoding — the same
// bytes a browser's fetch sends (see e2e/server-actions.ts). No dependency: node:http is
// enough to drive one local server, and its cost per request is small and equal for every flow.
import http from "node:http";
import { randomBytes } from "node:crypto";

export type Reply = { status: number; headers: http.IncomingHttpHeaders; body: string };

export class CookieJar {
  private readonly cookies = new Map<string, string>();

  take(setCookie: string[] | undefined) {
    for (const line of setCookie ?? []) {
      const [pair, ...attrs] = line.split(";");
      const eq = pair!.indexOf("=");
      if (eq < 1) continue;
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === "";
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  get(name: string): string | undefined {
    return this.cookies.get(name);
  }

  set(name: string, value: string) {
    this.cookies.set(name, value);
  }

  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }
}

/** A multipart/form-data body of plain text fields. */
function multipart(fields: [string, string][]): { body: Buffer; contentType: string } {
  const boundary = `----bench${randomBytes(8).toString("hex")}`;
  const parts = fields.map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
  return { body: Buffer.from(`${parts.join("")}--${boundary}--\r\n`, "utf8"), contentType: `multipart/form-data; boundary=${boundary}` };
}

export class Client {
  private readonly agent: http.Agent;

  constructor(
    readonly origin: string,
    sockets: number,
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
  }

  /**
   * A kept-alive socket the server closed as idle just as a request went out fails with
   * ECONNRESET before the server read anything: Node's documented remedy is one retry on a
   * fresh socket (only then: any other failure is the server's and counts as an error).
   */
  async request(method: "GET" | "POST", path: string, jar: CookieJar | null, headers: Record<string, string> = {}, body?: Buffer): Promise<Reply> {
    try {
      return await this.once(method, path, jar, headers, body);
    } catch (err) {
      if ((err as { reusedSocket?: boolean }).reusedSocket && (err as NodeJS.ErrnoException).code === "ECONNRESET") {
        return this.once(method, path, jar, headers, body);
      }
      throw err;
    }
  }

  private once(method: "GET" | "POST", path: string, jar: CookieJar | null, headers: Record<string, string>, body?: Buffer): Promise<Reply> {
    const url = new URL(path, this.origin);
    const cookie = jar?.header();
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          agent: this.agent,
          method,
          host: url.hostname,
          port: url.port,
          path: url.pathname + url.search,
          headers: {
            host: url.host,
            origin: this.origin,
            "user-agent": "mfa-bank-bench",
            ...(cookie ? { cookie } : {}),
            ...(body ? { "content-length": String(body.length) } : {}),
            ...headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            jar?.take(res.headers["set-cookie"]);
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") });
          });
          res.on("error", reject);
        },
      );
      req.setTimeout(30_000, () => req.destroy(new Error(`timeout: ${method} ${path}`)));
      req.on("error", (err) => reject(Object.assign(err, { reusedSocket: req.reusedSocket })));
      req.end(body);
    });
  }

  /**
   * Calls a server action with (prevState, formData), as `useActionState` does: FormData fields
   * prefixed "_1_", then part "0" with the argument list pointing at them.
   */
  action(pagePath: string, actionId: string, fields: Record<string, string>, jar: CookieJar): Promise<Reply> {
    const form = multipart([...Object.entries(fields).map(([k, v]) => [`_1_${k}`, v] as [string, string]), ["0", JSON.stringify([{ status: "idle" }, "$K1"])]]);
    return this.request("POST", pagePath, jar, { "content-type": form.contentType, accept: "text/x-component", "next-action": actionId }, form.body);
  }

  /**
   * A sign-in step as the page's script sends it (lib/http/script-call.ts `postStep`): the form's
   * fields to the step's route handler, with the script header; the answer is the action's state
   * as JSON.
   */
  step(endpoint: string, fields: Record<string, string>, jar: CookieJar): Promise<Reply> {
    const form = multipart(Object.entries(fields));
    return this.request("POST", endpoint, jar, { "content-type": form.contentType, accept: "*/*", "x-mfa-bank-script": "1" }, form.body);
  }

  close() {
    this.agent.destroy();
  }
}

/** The redirect a server action answered with ("/mfa?callbackUrl=…"), or null. */
export function actionRedirect(reply: Reply): string | null {
  const h = reply.headers["x-action-redirect"];
  const value = Array.isArray(h) ? h[0] : h;
  return value ? value.split(";")[0]! : null;
}

/** The action's returned state: a script step's JSON, or its line in an action's RSC reply ("1:{…}"). */
export function actionState(reply: Reply): { status?: string; code?: string; message?: string; data?: Record<string, unknown>; challenge?: Record<string, unknown> } | null {
  if (String(reply.headers["content-type"] ?? "").startsWith("application/json")) {
    try {
      return JSON.parse(reply.body);
    } catch {
      return null;
    }
  }
  for (const line of reply.body.split("\n")) {
    const m = /^1:(\{.*\})$/.exec(line);
    if (!m) continue;
    try {
      return JSON.parse(m[1]!);
    } catch {
      return null;
    }
  }
  return null;
}
