import { isIPv4, isIPv6 } from "node:net";

/**
 * Which address is the client's, for the audit trail and per-client throttles
 * (README "Production", docs/SECURITY.md "Trusted proxies"). Pure: no request, no env.
 *
 * The rule, with `hops` = TRUSTED_PROXY_HOPS (how many reverse proxies stand in front of the
 * app, each appending the address it saw to X-Forwarded-For):
 *
 *   list  = the X-Forwarded-For entries as received (comma-separated, left to right),
 *           followed by the peer — the address of the TCP connection the server accepted;
 *   index = length(list) − 1 − hops, clamped to 0;
 *   client = list[index], if it is an IP address; otherwise none (null).
 *
 * So hops = 0 takes the peer and never reads X-Forwarded-For; hops = 1 takes the rightmost
 * X-Forwarded-For entry (the one our proxy — the peer — appended); hops = 2 the one before it
 * (appended by the outer proxy, as the inner one forwarded it), and so on. Entries further
 * left were written by whoever sent the request and are never believed: prepending forged
 * entries moves nothing. With more hops than entries the request came through fewer proxies
 * than configured, and the leftmost entry (or the peer, when there is no header) is the
 * furthest anyone we trust could see. Hop counting presumes the app is reachable only through
 * its proxies; a client that can reach the port directly can write the entries we trust.
 *
 * Entries are normalised so one client has one spelling (throttle keys, audit searches):
 * brackets, ports and IPv6 zone ids are dropped, IPv4-mapped IPv6 (::ffff:1.2.3.4) becomes
 * the IPv4 address, IPv6 is lower-case and compressed (RFC 5952, as PostgreSQL prints inet).
 */
export function clientAddress(input: { hops: number; forwardedFor: string | null | undefined; peer: string | null | undefined }): string | null {
  const { hops } = input;
  if (!Number.isInteger(hops) || hops < 0) throw new RangeError(`hops must be a non-negative integer, not ${hops}`);
  if (hops === 0) return normalizeAddress(input.peer);
  const forwarded = input.forwardedFor ? input.forwardedFor.split(",").map((e) => e.trim()) : [];
  const list = [...forwarded, input.peer ?? ""];
  return normalizeAddress(list[Math.max(0, list.length - 1 - hops)]);
}

/** One address in canonical text, or null when it is not an IP address. */
export function normalizeAddress(raw: string | null | undefined): string | null {
  if (!raw) return null;
  let s = raw.trim();
  if (s.length > 100) return null;
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(s);
  if (bracketed) s = bracketed[1]!;
  else if (/^[0-9.]+:\d{1,5}$/.test(s)) s = s.slice(0, s.lastIndexOf(":")); // IPv4 with a port
  const zone = s.indexOf("%");
  if (zone !== -1) s = s.slice(0, zone);
  if (isIPv4(s)) return s;
  if (!isIPv6(s)) return null;
  // WHATWG URL serialises IPv6 hosts in RFC 5952 form (lower case, longest zero run compressed).
  const v6 = new URL(`http://[${s}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(v6);
  if (mapped) {
    const hi = parseInt(mapped[1]!, 16);
    const lo = parseInt(mapped[2]!, 16);
    return [hi >> 8, hi & 255, lo >> 8, lo & 255].join(".");
  }
  return v6;
}
