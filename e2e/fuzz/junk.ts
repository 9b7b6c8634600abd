import fc from "fast-check";

/**
 * Malformed input, generated with fast-check: strings of every kind (unicode, RTL, NUL, lone
 * surrogates and invalid UTF-8 as raw bytes, emoji, huge), junk cookies and multipart bodies
 * that a browser would never send. A value is a string or raw bytes (a Buffer goes onto the
 * wire as is, so invalid UTF-8 really arrives).
 */
export type Value = string | Buffer;

/** For URLs: a lone surrogate cannot be percent-encoded, so it becomes U+FFFD. */
export function wellFormed(s: string): string {
  return s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");
}

const SPECIALS = [
  "",
  " ",
  "\t\r\n",
  "\0",
  "a\0b",
  "\u202eRTL-override",
  "\u200f\u0645\u0631\u062d\u0628\u0627", // RLM + Arabic
  "\ud800",
  "\udfff",
  "x\ud83dy",
  "🚀💥👩‍👩‍👧‍👦",
  "\ufeffBOM",
  "Ω≈ç√∫˜µ≤≥÷",
  "Z̴̡̪̫̖̥̔ͦ̈́a̸l̶g̵o̷",
  "<script>alert(1)</script>",
  "' OR 1=1 --",
  "'; DROP TABLE users; --",
  "${7*7}{{7*7}}<%= 7*7 %>",
  "../../../etc/passwd",
  "%00%ff%22%3C",
  "NaN",
  "Infinity",
  "-0",
  "1e309",
  "-1",
  "0x1F",
  "null",
  "undefined",
  "true",
  "[]",
  "{}",
  '{"__proto__":{"admin":true}}',
  "__proto__",
  "constructor",
  "$K1",
  "$@0",
  "$Q1",
  "$undefined",
  "$n99999999999999999999",
  "$D2026-13-45",
  "$ACTION_ID_x",
  "javascript:alert(1)",
  "//evil.example/path",
  "/\\evil.example",
  "00000000-0000-0000-0000-000000000000",
  "ffffffff-ffff-ffff-ffff-ffffffffffff",
];

/** Long strings of a few shapes; ≥ 100 KB for some. Built by repetition (cheap to generate). */
export const huge: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom("a", "🚀", "\0", "é", "%", "<", "\u202e", "0"), fc.constantFrom(257, 2_049, 10_241, 20_001, 102_401, 150_000))
  .map(([c, n]) => c.repeat(Math.ceil(n / c.length)).slice(0, Math.max(n, 257)));

/** Invalid or unusual UTF-8 on the wire: lone surrogates (CESU), overlong NUL, 0xFF, random bytes. */
const rawBytes: fc.Arbitrary<Buffer> = fc.oneof(
  fc.constantFrom(Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xc0, 0x80]), Buffer.from([0xff, 0xfe, 0xfd]), Buffer.from([0xe2, 0x82])),
  fc.uint8Array({ minLength: 1, maxLength: 64 }).map((a) => Buffer.from(a)),
);

/** Any string: the specials, random unicode of every unit, numbers and JSON as text. */
export const junkString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...SPECIALS) },
  { weight: 3, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary-ascii", maxLength: 40 }) },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.bigInt()).map(String) },
  { weight: 1, arbitrary: fc.json({ maxDepth: 2 }) },
  { weight: 1, arbitrary: fc.uuid() },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...SPECIALS), fc.string({ maxLength: 10 })).map(([a, b]) => a + b) },
);

/** A junk value for a form field: mostly strings, some huge, some raw bytes. */
export const junkValue: fc.Arbitrary<Value> = fc.oneof(
  { weight: 20, arbitrary: junkString },
  { weight: 1, arbitrary: huge },
  { weight: 2, arbitrary: rawBytes },
);

/** Field names a form never has: unicode, array- and object-shaped, Next's own prefixes. */
export const junkFieldName: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom("a[]", "a[0]", "a[b]", "__proto__", "constructor", "0", "1", "$ACTION_KEY", "$ACTION_REF_1", "$ACTION_1:0", "_1_x", "", " ", "🚀", "\u202e", "a\0b"),
  fc.string({ unit: "grapheme", minLength: 1, maxLength: 16 }),
  fc.string({ unit: "binary-ascii", minLength: 1, maxLength: 16 }),
);

/** Printable latin-1 (what an HTTP header can carry at all). */
export const headerSafe: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 120 }) },
  { weight: 6, arbitrary: fc.constantFrom("", "garbage", "7f".padEnd(42, "0"), "00".repeat(21), "../../etc/passwd", "null", "[]", "é".repeat(10)) },
  { weight: 6, arbitrary: fc.stringMatching(/^[0-9a-f]{40,44}$/) },
  // Past the server's header limit (a 431 is the right answer).
  { weight: 1, arbitrary: fc.constant("x".repeat(20_000)) },
);

/** A cookie header that is not ours: junk, truncated, oversized, tampered JWE, Auth.js cookies. */
export function junkCookie(realCookies: string[]): fc.Arbitrary<string> {
  const jweLike = fc
    .tuple(fc.base64String({ maxLength: 60 }), fc.base64String({ maxLength: 200 }))
    .map(([a, b]) => `eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2Q0JDLUhTNTEyIn0..${a}.${b}.AAAA`);
  const tampered = fc
    .tuple(fc.constantFrom(...realCookies), fc.nat(), fc.constantFrom("A", "_", "-", ".", "", "%"))
    .map(([c, i, ch]) => {
      const at = i % c.length;
      return c.slice(0, at) + ch + c.slice(at + 1);
    });
  const truncated = fc.tuple(fc.constantFrom(...realCookies), fc.nat()).map(([c, i]) => c.slice(0, i % c.length));
  const session = fc.oneof(
    { weight: 4, arbitrary: headerSafe },
    { weight: 4, arbitrary: jweLike },
    { weight: 4, arbitrary: tampered },
    { weight: 4, arbitrary: truncated },
    { weight: 1, arbitrary: fc.constant("A".repeat(5_000)) },
  );
  const name = fc.constantFrom(
    "mfa-bank.session",
    "mfa-bank.session",
    "authjs.session-token",
    "authjs.csrf-token",
    "authjs.callback-url",
    "__Secure-authjs.session-token",
    "__Host-authjs.csrf-token",
    "mfa-bank.session.0",
  );
  return fc
    .array(fc.tuple(name, session), { minLength: 1, maxLength: 4 })
    .map((pairs) => pairs.map(([n, v]) => `${n}=${v}`).join("; "));
}

/** A query string of junk: repeated keys, array shapes, unicode, huge values. */
export function junkQuery(knownKeys: string[]): fc.Arbitrary<string> {
  const key = fc.oneof(fc.constantFrom(...knownKeys, ...knownKeys.map((k) => `${k}[]`), "_rsc", "__proto__"), junkFieldName);
  // Some long values, short of the server's 16 KB header limit (the URL counts) most of the time.
  const value = fc.oneof({ weight: 30, arbitrary: junkString }, { weight: 1, arbitrary: huge.map((s) => s.slice(0, 2_000)) });
  return fc
    .array(fc.tuple(key, value), { minLength: 1, maxLength: 6 })
    .map((pairs) => pairs.map(([k, v]) => `${encodeURIComponent(wellFormed(k))}=${encodeURIComponent(wellFormed(v))}`).join("&"));
}

// ─── multipart ─────────────────────────────────────────────────────────────────────────

export type Part = { name: string; value: Value; file?: { filename: string; type: string } };

/** A multipart/form-data body written by hand, so it can hold what FormData never would. */
export function multipart(parts: Part[], boundary = `----fuzz${Math.random().toString(16).slice(2)}`): { body: Buffer; contentType: string } {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disposition = `form-data; name="${p.name.replace(/["\r\n]/g, "_")}"${p.file ? `; filename="${p.file.filename.replace(/["\r\n]/g, "_")}"` : ""}`;
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${p.file ? `Content-Type: ${p.file.type}\r\n` : ""}\r\n`));
    chunks.push(typeof p.value === "string" ? Buffer.from(p.value) : p.value);
    chunks.push(Buffer.from("\r\n"));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** A body that is not what an action call looks like: JSON, text, urlencoded, broken multipart. */
export const junkBody: fc.Arbitrary<{ body: Buffer; contentType: string }> = fc.oneof(
  fc.tuple(fc.json({ maxDepth: 3 }), fc.constantFrom("application/json", "text/plain;charset=UTF-8", "text/plain")).map(([j, t]) => ({ body: Buffer.from(j), contentType: t })),
  junkString.map((s) => ({ body: Buffer.from(s), contentType: "text/plain;charset=UTF-8" })),
  fc.constantFrom(
    '["$K1"]',
    '[{"status":"idle"},"$K1"]',
    '[{"status":"idle"},"$K999"]',
    '["$@1","$Q2","$W3"]',
    '["$D2026-99-99T99:99:99Z"]',
    '["$n1e309"]',
    '["$T"]',
    '["$B1"]',
    '[1,2,3]',
    "[",
    '"\\ud800"',
    "{}",
    "null",
  ).map((s) => ({ body: Buffer.from(s), contentType: "text/plain;charset=UTF-8" })),
  fc.array(fc.tuple(junkFieldName, junkString), { maxLength: 5 }).map((pairs) => ({
    body: Buffer.from(new URLSearchParams(pairs.map(([k, v]) => [wellFormed(k), wellFormed(v)])).toString()),
    contentType: "application/x-www-form-urlencoded",
  })),
  // Broken multipart: no closing boundary, a boundary that never appears, or no boundary at all.
  fc.tuple(fc.array(fc.tuple(junkFieldName, junkValue), { maxLength: 4 }), fc.nat()).map(([pairs, cut]) => {
    const m = multipart(pairs.map(([name, value]) => ({ name, value })));
    return { body: m.body.subarray(0, cut % (m.body.length + 1)), contentType: m.contentType };
  }),
  junkString.map((s) => ({ body: Buffer.from(`--x\r\nContent-Disposition: form-data; name="0"\r\n\r\n${s}`), contentType: "multipart/form-data; boundary=nope" })),
  junkString.map((s) => ({ body: Buffer.from(s), contentType: "multipart/form-data" })),
  fc.constantFrom(Buffer.alloc(0), Buffer.from([0xff, 0xfe, 0x00]), Buffer.from("a".repeat(1_200_000))).map((b) => ({ body: b, contentType: "text/plain;charset=UTF-8" })),
);
