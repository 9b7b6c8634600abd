import { randomBytes, timingSafeEqual } from "node:crypto";
import http from "node:http";
import https from "node:https";

/**
 * The address of the TCP peer, for the app to read through `headers()`.
 *
 * `next start` hands the app only headers, and Next's base server fills in X-Forwarded-For
 * from the socket only when the client sent none (`req.headers['x-forwarded-for'] ??=
 * socket.remoteAddress`, next/dist/server/base-server.js) — so whoever sends the header
 * decides what the app would see. Next 16 has no supported way to pass the socket's address
 * on (`NextRequest.ip` is gone); a custom server could, but `next start` is what we run.
 *
 * So `installPeerHeader()` (instrumentation.ts, Node.js runtime, once per process) wraps
 * `emit` of http.Server and https.Server: before Next sees a 'request' it sets PEER_HEADER to
 * `<process token> <socket.remoteAddress>`, overwriting whatever the client sent under that
 * name. The token is 128 random bits made at install time and kept on globalThis (the
 * instrumentation bundle and the app's bundles are separate module instances in one process).
 * `peerFromHeaders()` believes the header only when its token matches: a request that arrived
 * before the wrapper was installed, a runtime where it never was (edge), or a client writing
 * the header itself gets null — never an address the client chose. (Requests accepted while
 * the server is still starting — before register() has run; in `next dev` the first request —
 * get null: their throttles share the key of unknown clients.)
 */
export const PEER_HEADER = "x-mfa-bank-peer";
const TOKEN_KEY = Symbol.for("mfa-bank.peer-header-token");

type Global = typeof globalThis & { [TOKEN_KEY]?: string };

export function installPeerHeader(): void {
  const g = globalThis as Global;
  if (g[TOKEN_KEY]) return;
  const token = randomBytes(16).toString("base64url");
  for (const proto of [http.Server.prototype, https.Server.prototype] as { emit: (event: string | symbol, ...args: unknown[]) => boolean }[]) {
    const emit = proto.emit;
    proto.emit = function (this: unknown, event: string | symbol, ...args: unknown[]) {
      if (event === "request" || event === "checkContinue" || event === "checkExpectation") {
        const req = args[0] as http.IncomingMessage;
        const address = req.socket?.remoteAddress;
        req.headers[PEER_HEADER] = address ? `${token} ${address}` : token;
      }
      return emit.call(this, event, ...args);
    };
  }
  g[TOKEN_KEY] = token;
}

/** The peer address installPeerHeader() recorded for this request, or null. */
export function peerFromHeaders(headers: Pick<Headers, "get">): string | null {
  const token = (globalThis as Global)[TOKEN_KEY];
  const value = headers.get(PEER_HEADER);
  if (!token || !value) return null;
  const space = value.indexOf(" ");
  const given = Buffer.from(space === -1 ? value : value.slice(0, space));
  const expected = Buffer.from(token);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  return space === -1 ? null : value.slice(space + 1);
}
