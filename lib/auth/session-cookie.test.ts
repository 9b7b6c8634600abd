import { encode, decode } from "next-auth/jwt";
import { EncryptJWT, base64url } from "jose";
import { describe, expect, it } from "vitest";
import { decodeSessionCookie, encodeSessionCookie } from "./session-cookie";

/** Our per-process-keyed reader against Auth.js's own writer and reader. */
const secret = "a-test-secret-of-at-least-32-characters-long!";
const salt = "mfa-bank.session";

describe("decodeSessionCookie", () => {
  it("reads what Auth.js writes, exactly as Auth.js reads it", async () => {
    const token = await encode({ token: { sid: "opaque-session-token-value-123" }, secret, salt, maxAge: 3600 });
    const ours = await decodeSessionCookie(token, secret, salt);
    const theirs = await decode({ token, secret, salt });
    expect(ours?.sid).toBe("opaque-session-token-value-123");
    expect(ours).toEqual(theirs);
    // A second read uses the cached key and gives the same answer.
    expect(await decodeSessionCookie(token, secret, salt)).toEqual(theirs);
  });

  it("refuses another secret, another cookie name (salt), a tampered token, garbage and an expired cookie", async () => {
    const token = await encode({ token: { sid: "x".repeat(30) }, secret, salt, maxAge: 3600 });
    expect(await decodeSessionCookie(token, `${secret}-other`, salt)).toBeNull();
    expect(await decodeSessionCookie(token, secret, `__Host-${salt}`)).toBeNull();
    const parts = token.split(".");
    const ct = parts[3]!;
    parts[3] = (ct[0] === "A" ? "B" : "A") + ct.slice(1);
    expect(await decodeSessionCookie(parts.join("."), secret, salt)).toBeNull();
    expect(await decodeSessionCookie("garbage", secret, salt)).toBeNull();
    expect(await decodeSessionCookie("a.b.c.d.e", secret, salt)).toBeNull();
    const expired = await encode({ token: { sid: "y".repeat(30) }, secret, salt, maxAge: -60 });
    expect(await decodeSessionCookie(expired, secret, salt)).toBeNull();
    await expect(decode({ token: expired, secret, salt })).rejects.toThrow();
  });

  it("writes what Auth.js reads: the same header, claims and expiry", async () => {
    const token = await encodeSessionCookie({ sid: "opaque-session-token-value-456" }, secret, salt, 3600);
    const theirs = await decode({ token, secret, salt });
    expect(theirs?.sid).toBe("opaque-session-token-value-456");
    expect(typeof theirs?.jti).toBe("string");
    expect(Number(theirs?.exp) - Number(theirs?.iat)).toBe(3600);
    const reference = await encode({ token: { sid: "opaque-session-token-value-456" }, secret, salt, maxAge: 3600 });
    const header = (t: string) => JSON.parse(Buffer.from(t.split(".")[0]!, "base64url").toString()) as unknown;
    expect(header(token)).toEqual(header(reference));
    // Another secret or cookie name cannot read it.
    await expect(decode({ token, secret: `${secret}-other`, salt })).rejects.toThrow();
    expect(await decodeSessionCookie(token, secret, `__Host-${salt}`)).toBeNull();
  });

  it("refuses a token whose kid names another key, and a JWE with another algorithm", async () => {
    const token = await encode({ token: { sid: "z".repeat(30) }, secret, salt, maxAge: 3600 });
    const [header, ...rest] = token.split(".");
    const h = JSON.parse(Buffer.from(header!, "base64url").toString()) as Record<string, string>;
    const forged = [base64url.encode(JSON.stringify({ ...h, kid: "someone-else" })), ...rest].join(".");
    expect(await decodeSessionCookie(forged, secret, salt)).toBeNull();
    const otherAlg = await new EncryptJWT({ sid: "w".repeat(30) })
      .setProtectedHeader({ alg: "dir", enc: "A128GCM" })
      .encrypt(new Uint8Array(16));
    expect(await decodeSessionCookie(otherAlg, secret, salt)).toBeNull();
  });
});
