import fc from "fast-check";
import { expect, test } from "@playwright/test";
import { buildManifest, fuzz, fuzzSetup, seed, type Probe } from "./harness";
import { headerSafe, huge, junkBody, junkQuery, junkString, wellFormed } from "./junk";
import { CALLER_KINDS, type CallerKind } from "./setup";

/**
 * Every route handler of the build (app/**\/route.ts), ≥ 500 malformed requests each, from
 * every kind of caller: junk paths below the handler, methods, query strings, bodies and
 * content types, junk and tampered cookies (the session cookie and Auth.js's csrf / callback
 * cookies), junk bearer tokens. The common checks apply (e2e/fuzz/harness.ts); the database
 * must not change (e2e/fuzz/hooks.ts).
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 500);
const jsonish = fc.oneof(fc.json({ maxDepth: 3 }), fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)));
const caller = fc.constantFrom(...CALLER_KINDS);
const seg = fc.oneof(junkString.map((s) => encodeURIComponent(wellFormed(s))), fc.constantFrom("..", "%2e%2e", "%00", "%ff", "a%2Fb", ""));
const methods = fc.constantFrom<Probe["method"]>("GET", "POST", "POST", "PUT", "DELETE", "PATCH", "HEAD");

/** A request of junk: method, query, body and content type; the caller from every kind. */
const junkRequest = (queryKeys: string[]) =>
  fc.record({
    caller,
    method: methods,
    query: fc.option(junkQuery(queryKeys), { freq: 3 }),
    body: fc.option(
      fc.oneof(
        junkBody,
        jsonish.map((j) => ({ body: Buffer.from(j), contentType: "application/json" })),
        huge.map(wellFormed).map((h) => ({ body: Buffer.from(`csrfToken=${encodeURIComponent(h)}&handoff=${encodeURIComponent(wellFormed(h.slice(0, 150)))}`), contentType: "application/x-www-form-urlencoded" })),
      ),
      { freq: 4 },
    ),
    headers: fc.record(
      {
        authorization: fc.oneof(headerSafe.map((s) => `Bearer ${s}`), headerSafe.map((s) => `Basic ${Buffer.from(s).toString("base64")}`), headerSafe),
        origin: fc.constantFrom("null", "http://evil.example", "http://127.0.0.1"),
        "x-forwarded-for": headerSafe,
        "x-auth-return-redirect": fc.constantFrom("1", "true"),
      },
      { requiredKeys: [] },
    ),
  });

/** Auth.js's own routes and whatever else lies below /api/auth. */
const AUTH_PATHS = ["providers", "csrf", "session", "signin", "signin/handoff", "signin/credentials", "signout", "callback/handoff", "callback/credentials", "error", "verify-request", "webauthn-options/handoff", "_log"];
const authForm = fc
  .record(
    {
      csrfToken: fc.oneof(junkString, huge, fc.stringMatching(/^[0-9a-f]{64}$/)),
      callbackUrl: fc.oneof(junkString, fc.constantFrom("http://evil.example/", "//evil.example", "/dashboard", "javascript:alert(1)")),
      handoff: fc.oneof(junkString, fc.base64String({ minLength: 20, maxLength: 100 }), huge),
      json: fc.constantFrom("true", "false", "junk"),
      data: jsonish,
      redirect: fc.constantFrom("true", "false"),
    },
    { requiredKeys: [] },
  )
  .map((o) => ({ body: Buffer.from(new URLSearchParams(Object.entries(o).map(([k, v]) => [k, wellFormed(v)])).toString()), contentType: "application/x-www-form-urlencoded" }));

/** The mock provider's contract endpoints (docs/PROVIDER-CONTRACT.md) and junk beside them. */
const PROVIDER_PATHS = [
  "oauth/token",
  "v1/enrollments",
  "v1/mfa",
  "v1/mfa/validate",
  "v1/mfa/transactions/%s",
  "v1/mfa/transactions/%s/cancel",
  "v2/mfa",
  "v1",
  // The redirect type: code exchange, JWKS, and the authorize page's decision form.
  "redirect/token",
  "redirect/jwks",
  "redirect/decision",
];
const providerJson = fc
  .record(
    {
      uniqueName: fc.oneof(junkString, huge),
      capability: fc.oneof(fc.constantFrom("mobile_push", "sms_otp", "voice_otp", "email_otp"), junkString),
      enrollmentId: fc.oneof(fc.uuid(), junkString),
      expiresInSeconds: fc.jsonValue({ maxDepth: 1 }),
      transactionId: fc.oneof(fc.uuid(), junkString, huge),
      code: fc.oneof(fc.stringMatching(/^\d{6}$/), junkString),
    },
    { requiredKeys: [] },
  )
  .map((o) => ({ body: Buffer.from(JSON.stringify(o)), contentType: "application/json" }));

/** A token-endpoint or decision-form body of the redirect type: junk codes, verifiers, forged requests. */
const redirectForm = fc
  .record(
    {
      grant_type: fc.constantFrom("authorization_code", "client_credentials", "junk"),
      code: fc.oneof(junkString, huge, fc.stringMatching(/^[A-Za-z0-9_-]{43}$/)),
      code_verifier: fc.oneof(junkString, fc.stringMatching(/^[A-Za-z0-9_-]{43}$/)),
      redirect_uri: fc.constantFrom("http://evil.example/cb", "/mfa/redirect/callback", ""),
      decision: fc.constantFrom("approve", "deny", "cancel", "junk"),
      client_id: fc.oneof(junkString, fc.constant("mfa-bank-00000000")),
      request: fc.oneof(junkString, huge, fc.constant("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."), fc.stringMatching(/^[A-Za-z0-9_-]{10,40}\.[A-Za-z0-9_-]{10,40}\.[A-Za-z0-9_-]{10,40}$/)),
    },
    { requiredKeys: [] },
  )
  .map((o) => ({ body: Buffer.from(new URLSearchParams(Object.entries(o).map(([k, v]) => [k, wellFormed(v)])).toString()), contentType: "application/x-www-form-urlencoded" }));

/**
 * The bank's ends of a redirect-based provider trip: a state that is junk, forged or
 * of no trip of this session, codes and errors of every shape, a huge query, repeated keys.
 */
const redirectQuery = fc
  .record(
    {
      state: fc.oneof(junkString, huge, fc.stringMatching(/^[A-Za-z0-9_-]{43}$/)),
      code: fc.oneof(junkString, huge, fc.stringMatching(/^[A-Za-z0-9_-]{43}$/), fc.constant("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.")),
      error: fc.constantFrom("access_denied", "server_error", "x".repeat(70), "<script>"),
      challenge: fc.oneof(fc.uuid(), junkString),
      factor: fc.constantFrom("mockr:redirect", "mock:redirect", "mock:sms_otp", "totp", "x:redirect"),
      returnTo: fc.constantFrom("/transfer", "//evil.example", "https://evil.example/", "javascript:alert(1)"),
    },
    { requiredKeys: [] },
  )
  .map((o) => new URLSearchParams(Object.entries(o).map(([k, v]) => [k, wellFormed(v)])).toString());

function redirectEnd(path: string, keys: string[]): RouteSpec["probes"] {
  return (n, s) =>
    fc
      .sample(fc.record({ req: junkRequest(keys), query: fc.option(redirectQuery, { freq: 3 }) }), { numRuns: n, seed: s })
      .map(({ req, query }) => ({
        caller: req.caller,
        method: query ? "GET" : req.method,
        path: withQuery(path, query ?? req.query),
        headers: req.headers,
        body: req.body?.body,
        contentType: req.body?.contentType,
      }));
}

/**
 * The test clock's body (lib/clock.ts): every `seconds` here is refused (not a number, not
 * forward, more than a day, or beside an unknown key), so the clock — a table the suite
 * compares like every other — never moves.
 */
const clockJson = fc
  .record(
    {
      seconds: fc.oneof(fc.constantFrom(0, -0, -1, -86_400, 86_401, 1e308, null, true), fc.integer({ max: 0 }), fc.double({ min: 86_400.5, noNaN: true }), junkString, huge, fc.jsonValue({ maxDepth: 1 }).filter((v) => typeof v !== "number")),
      extra: fc.option(junkString),
    },
    { requiredKeys: ["seconds"] },
  )
  .map((o) => ({ body: Buffer.from(JSON.stringify(o.extra === undefined ? { seconds: o.seconds } : { seconds: 5, [`x${o.extra}`]: o.seconds })), contentType: "application/json" }));

type RouteSpec = { describe: string; probes: (n: number, s: number) => Probe[] };

/**
 * The sign-in steps' route handlers (lib/http/script-endpoint.ts): most probes come as the
 * page's script would (the bank's Origin, the script header, a form) with junk fields, so they
 * reach the action; the rest are junk requests, refused before it. The action's own answers are
 * fuzzed in actions.spec.ts; here: no 5xx, JSON always, and no state without the page's origin.
 */
function signInStep(path: string, fields: Record<string, fc.Arbitrary<string>>): RouteSpec["probes"] {
  // The host the probes talk to (e2e/fuzz/harness.ts): same origin by Next's rule (Origin host = Host).
  const pageOrigin = `http://127.0.0.1:${process.env.E2E_PORT}`;
  const form = fc
    .record({
      given: fc.record(fields, { requiredKeys: [] }),
      noise: fc.array(fc.tuple(junkString, junkString), { maxLength: 2 }),
      enc: fc.constantFrom("urlencoded", "multipart"),
    })
    .map(({ given, noise, enc }) => {
      const entries = [...Object.entries(given), ...noise].map(([k, v]) => [wellFormed(k), wellFormed(v ?? "")] as [string, string]);
      if (enc === "urlencoded") return { body: Buffer.from(new URLSearchParams(entries).toString()), contentType: "application/x-www-form-urlencoded" };
      const b = "fuzzboundary7MA4YWxkTrZu0gW";
      const parts = entries.map(([k, v]) => `--${b}\r\nContent-Disposition: form-data; name="${k.replace(/["\r\n]/g, "_")}"\r\n\r\n${v}\r\n`);
      return { body: Buffer.from(`${parts.join("")}--${b}--\r\n`), contentType: `multipart/form-data; boundary=${b}` };
    });
  return (n, s) =>
    fc
      .sample(fc.record({ req: junkRequest(["x"]), asPage: fc.boolean(), form, actionId: fc.option(fc.oneof(headerSafe, fc.stringMatching(/^[0-9a-f]{42}$/)), { freq: 2 }) }), { numRuns: n, seed: s })
      .map(({ req, asPage, form, actionId }) => {
        // Some junk requests are server-action calls aimed at the route: no action lives under /api/ (proxy.ts).
        const headers = asPage ? { ...req.headers, origin: pageOrigin, "x-mfa-bank-script": "1" } : actionId === null ? req.headers : { ...req.headers, "next-action": actionId };
        const body = asPage ? form : req.body;
        return {
          caller: req.caller,
          method: asPage ? "POST" : req.method,
          path: withQuery(path, req.query),
          headers,
          body: body?.body,
          contentType: body?.contentType,
          check: ({ status, headers: h }) => {
            // 405 (another method) is Next's, 431 (headers too large) Node's: before the handler.
            if (!(h.get("content-type") ?? "").startsWith("application/json") && status !== 405 && status !== 431) return `expected JSON (status ${status})`;
            if (!asPage && status === 200) return "a request without the page's origin and header was answered with a state";
            return null;
          },
        };
      });
}

function withQuery(path: string, query: string | null): string {
  return query ? `${path}${path.includes("?") ? "&" : "?"}${query}` : path;
}

const ROUTES: Record<string, RouteSpec> = {
  "/api/auth/[...nextauth]/route": {
    describe: "Auth.js routes (/api/auth/*)",
    probes: (n, s) =>
      fc
        .sample(
          fc.record({
            req: junkRequest(["callbackUrl", "error", "csrf", "provider", "json"]),
            path: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...AUTH_PATHS) }, { weight: 1, arbitrary: fc.array(seg, { minLength: 1, maxLength: 3 }).map((a) => a.join("/")) }),
            form: fc.option(authForm, { freq: 2 }),
          }),
          { numRuns: n, seed: s },
        )
        .map(({ req, path, form }) => {
          const body = req.method === "POST" ? (form ?? req.body) : req.body;
          return { caller: req.caller, method: req.method, path: withQuery(`/api/auth/${path}`, req.query), headers: req.headers, body: body?.body, contentType: body?.contentType };
        }),
  },
  "/mock-provider/api/[...path]/route": {
    describe: "mock provider API (/mock-provider/api/*)",
    probes: (n, s) => {
      const token = fuzzSetup().providerToken;
      return fc
        .sample(
          fc.record({
            req: junkRequest(["uniqueName", "grant_type", "client_id"]),
            path: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...PROVIDER_PATHS) }, { weight: 1, arbitrary: fc.array(seg, { minLength: 1, maxLength: 4 }).map((a) => a.join("/")) }),
            id: fc.oneof(fc.uuid(), seg),
            // Most requests carry the valid bearer token, so the bodies reach the parsers.
            bearer: fc.constantFrom("valid", "valid", "valid", "junk"),
            json: fc.option(providerJson, { freq: 3 }),
            form: fc.option(redirectForm, { freq: 3 }),
          }),
          { numRuns: n, seed: s },
        )
        .map(({ req, path, id, bearer, json, form }) => {
          const headers = { ...req.headers };
          if (bearer === "valid") headers.authorization = `Bearer ${token}`;
          const body = path.startsWith("redirect/") ? (form ?? json ?? req.body) : (json ?? req.body);
          return {
            caller: req.caller,
            method: json || (form && path.startsWith("redirect/")) ? "POST" : req.method,
            path: withQuery(`/mock-provider/api/${path.replace("%s", id)}`, req.query),
            headers,
            body: body?.body,
            contentType: body?.contentType,
          };
        });
    },
  },
  "/(auth)/mfa/redirect/start/route": {
    describe: "redirect provider, the way out (/mfa/redirect/start)",
    probes: redirectEnd("/mfa/redirect/start", ["challenge", "factor", "returnTo"]),
  },
  "/(auth)/mfa/redirect/callback/route": {
    describe: "redirect provider, the way back (/mfa/redirect/callback)",
    probes: redirectEnd("/mfa/redirect/callback", ["state", "code", "error"]),
  },
  "/api/jwks/route": {
    describe: "the bank's public signing keys (/api/jwks)",
    probes: (n, s) =>
      fc
        .sample(junkRequest(["x"]), { numRuns: n, seed: s })
        .map((req) => ({ caller: req.caller, method: req.method, path: withQuery("/api/jwks", req.query), headers: req.headers, body: req.body?.body, contentType: req.body?.contentType })),
  },
  "/api/passkey-sign-in/route": {
    // Without the page's Origin every probe is refused and creates nothing; ceremony rows (webauthn_challenges) are not compared anyway.
    describe: "passkey sign-in ceremony (/api/passkey-sign-in)",
    probes: (n, s) =>
      fc
        .sample(junkRequest(["x"]), { numRuns: n, seed: s })
        .map((req) => ({ caller: req.caller, method: req.method, path: withQuery("/api/passkey-sign-in", req.query), headers: req.headers, body: req.body?.body, contentType: req.body?.contentType })),
  },
  "/api/sign-in/password/route": {
    describe: "the password step for the page's script (/api/sign-in/password)",
    probes: signInStep("/api/sign-in/password", { username: fc.oneof(junkString, huge), password: fc.oneof(junkString, huge), callbackUrl: fc.oneof(junkString, fc.constantFrom("//evil.example", "/dashboard", "javascript:alert(1)")) }),
  },
  "/api/sign-in/answer/route": {
    describe: "the sign-in answer for the page's script (/api/sign-in/answer)",
    probes: signInStep("/api/sign-in/answer", { challengeId: fc.oneof(fc.uuid(), junkString), factor: fc.oneof(fc.constantFrom("totp", "recovery", "passkey", "push"), junkString), code: fc.oneof(junkString, huge) }),
  },
  "/api/sign-in/passkey/route": {
    describe: "passkey sign-in's assertion for the page's script (/api/sign-in/passkey)",
    probes: signInStep("/api/sign-in/passkey", { response: fc.oneof(junkString, huge, jsonish), callbackUrl: fc.oneof(junkString, fc.constantFrom("//evil.example", "/dashboard")) }),
  },
  "/api/test/clock/route": {
    describe: "test clock (/api/test/clock, APP_ENV=test only)",
    probes: (n, s) =>
      fc
        .sample(fc.record({ req: junkRequest(["seconds"]), json: fc.option(clockJson, { freq: 2 }) }), { numRuns: n, seed: s })
        .map(({ req, json }) => {
          const body = json ?? req.body;
          return { caller: req.caller, method: json ? "POST" : req.method, path: withQuery("/api/test/clock", req.query), headers: req.headers, body: body?.body, contentType: body?.contentType };
        }),
  },
  "/icon.svg/route": {
    describe: "app icon (/icon.svg)",
    probes: (n, s) =>
      fc.sample(junkRequest(["v"]), { numRuns: n, seed: s }).map((req) => ({
        caller: req.caller,
        method: req.method,
        path: withQuery("/icon.svg", req.query),
        headers: req.headers,
        body: req.body?.body,
        contentType: req.body?.contentType,
      })),
  },
  "/admin/audit/export/route": {
    describe: "audit CSV export (/admin/audit/export)",
    probes: (n, s) =>
      fc
        .sample(fc.record({ req: junkRequest(["user", "action", "outcome", "from", "to", "page"]), full: fc.boolean() }), { numRuns: n, seed: s })
        .map(({ req, full }) => {
          // An admin's valid filter streams the whole (growing) audit log: most admin requests
          // end with a start date in 2999 (the last value wins), so the export stays small.
          const bounded = req.caller === "admin" && !(full && req.query === null);
          const query = bounded ? `${req.query ?? ""}&from=2999-01-01` : req.query;
          return {
            caller: req.caller,
            method: req.method,
            path: withQuery("/admin/audit/export", query),
            headers: req.headers,
            body: req.body?.body,
            contentType: req.body?.contentType,
            check: exportCheck(req.caller),
          };
        }),
  },
};

/** Only a verified admin gets a CSV. */
function exportCheck(c: CallerKind): Probe["check"] {
  return ({ status, headers }) => {
    const csv = (headers.get("content-type") ?? "").includes("text/csv");
    if (c !== "admin" && (csv || status === 200)) return `a ${c} got the audit export (status ${status})`;
    return null;
  };
}

const routes = Object.keys(buildManifest<Record<string, string>>("app-paths-manifest.json")).filter((k) => k.endsWith("/route"));

test("the fuzz catalogue covers every route handler of the build", () => {
  expect(routes.filter((r) => !ROUTES[r]), "route handlers without a fuzz spec: add them to ROUTES").toEqual([]);
  expect(Object.keys(ROUTES).filter((r) => !routes.includes(r)), "fuzz specs of routes the build no longer has").toEqual([]);
});

test.describe.configure({ mode: "parallel", timeout: 120_000 });

for (const route of routes) {
  const spec = ROUTES[route];
  if (!spec) continue;
  test(`route handler ${spec.describe}`, async () => {
    const probes = spec.probes(RUNS, seed() + route.length);
    const summary = await fuzz(`route ${route.replace(/\/route$/, "")}`, probes);
    expect(summary.problems).toEqual([]);
    expect(summary.requests).toBeGreaterThanOrEqual(RUNS);
  });
}
