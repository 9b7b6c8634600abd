import { describe, expect, it } from "vitest";
import { clientAddress, normalizeAddress } from "./client-address";

const peer = "127.0.0.1";

describe("clientAddress", () => {
  it("hops 0: the peer, whatever X-Forwarded-For says", () => {
    expect(clientAddress({ hops: 0, forwardedFor: "203.0.113.7", peer })).toBe(peer);
    expect(clientAddress({ hops: 0, forwardedFor: "203.0.113.7, 198.51.100.1", peer: "::1" })).toBe("::1");
    expect(clientAddress({ hops: 0, forwardedFor: null, peer: "::ffff:10.0.0.5" })).toBe("10.0.0.5");
  });

  it("hops 0 with no known peer: null, never a forwarded address", () => {
    expect(clientAddress({ hops: 0, forwardedFor: "203.0.113.7", peer: null })).toBeNull();
    expect(clientAddress({ hops: 0, forwardedFor: "203.0.113.7", peer: undefined })).toBeNull();
  });

  it("hops 1: the rightmost entry (appended by our proxy); entries a client prepends move nothing", () => {
    expect(clientAddress({ hops: 1, forwardedFor: "203.0.113.7", peer })).toBe("203.0.113.7");
    expect(clientAddress({ hops: 1, forwardedFor: "198.51.100.1, 192.0.2.9, 203.0.113.7", peer })).toBe("203.0.113.7");
    expect(clientAddress({ hops: 1, forwardedFor: "1.1.1.1,203.0.113.7", peer })).toBe("203.0.113.7");
  });

  it("hops 2: the entry the outer proxy appended, as the inner one forwarded it", () => {
    expect(clientAddress({ hops: 2, forwardedFor: "6.6.6.6, 203.0.113.7, 10.0.0.2", peer })).toBe("203.0.113.7");
  });

  it("more hops than entries: the leftmost entry, or the peer when there is no header", () => {
    expect(clientAddress({ hops: 3, forwardedFor: "203.0.113.7, 10.0.0.2", peer })).toBe("203.0.113.7");
    expect(clientAddress({ hops: 1, forwardedFor: null, peer })).toBe(peer);
    expect(clientAddress({ hops: 10, forwardedFor: "", peer: "::1" })).toBe("::1");
  });

  it("hops ≥ 1 counts positions, so an unknown peer does not change the pick", () => {
    expect(clientAddress({ hops: 1, forwardedFor: "203.0.113.7", peer: null })).toBe("203.0.113.7");
  });

  it("garbage at the chosen position: null (garbage elsewhere is never read)", () => {
    expect(clientAddress({ hops: 1, forwardedFor: "203.0.113.7, not-an-ip", peer })).toBeNull();
    expect(clientAddress({ hops: 1, forwardedFor: "203.0.113.7, ", peer })).toBeNull();
    expect(clientAddress({ hops: 1, forwardedFor: "unknown", peer })).toBeNull();
    expect(clientAddress({ hops: 1, forwardedFor: "<script>, 203.0.113.7", peer })).toBe("203.0.113.7");
    expect(clientAddress({ hops: 1, forwardedFor: ",,,203.0.113.7", peer })).toBe("203.0.113.7");
    expect(clientAddress({ hops: 0, forwardedFor: null, peer: "garbage" })).toBeNull();
  });

  it("refuses a hop count that is not a non-negative integer", () => {
    expect(() => clientAddress({ hops: -1, forwardedFor: null, peer })).toThrow(RangeError);
    expect(() => clientAddress({ hops: 1.5, forwardedFor: null, peer })).toThrow(RangeError);
  });
});

describe("normalizeAddress", () => {
  it("IPv4, with or without a port", () => {
    expect(normalizeAddress("203.0.113.7")).toBe("203.0.113.7");
    expect(normalizeAddress(" 203.0.113.7 ")).toBe("203.0.113.7");
    expect(normalizeAddress("203.0.113.7:51234")).toBe("203.0.113.7");
  });

  it("IPv6: brackets, ports and zone ids dropped; lower case, compressed", () => {
    expect(normalizeAddress("2001:DB8:0:0:0:0:0:1")).toBe("2001:db8::1");
    expect(normalizeAddress("[2001:db8::1]")).toBe("2001:db8::1");
    expect(normalizeAddress("[2001:db8::1]:443")).toBe("2001:db8::1");
    expect(normalizeAddress("fe80::1%eth0")).toBe("fe80::1");
    expect(normalizeAddress("[fe80::1%25eth0]:8080")).toBe("fe80::1");
    expect(normalizeAddress("::1")).toBe("::1");
    expect(normalizeAddress("2001:db8:1a2b:3c4d:5e6f:7a8b:9c0d:1e2f")).toBe("2001:db8:1a2b:3c4d:5e6f:7a8b:9c0d:1e2f");
  });

  it("IPv4-mapped IPv6 becomes the IPv4 address (one client, one throttle key)", () => {
    expect(normalizeAddress("::ffff:1.2.3.4")).toBe("1.2.3.4");
    expect(normalizeAddress("::FFFF:127.0.0.1")).toBe("127.0.0.1");
    expect(normalizeAddress("[::ffff:1.2.3.4]:80")).toBe("1.2.3.4");
    expect(normalizeAddress("::ffff:102:304")).toBe("1.2.3.4");
  });

  it("anything else: null", () => {
    for (const junk of ["", "   ", "unknown", "localhost", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "2001:db8::g", "[2001:db8::1", "1.2.3.4:", "[::1]junk", "x".repeat(200), "1.2.3.4, 5.6.7.8"]) {
      expect(normalizeAddress(junk), junk).toBeNull();
    }
    expect(normalizeAddress(null)).toBeNull();
    expect(normalizeAddress(undefined)).toBeNull();
  });
});
