import fc from "fast-check";
import { expect, test } from "@playwright/test";
import { buildManifest, fuzz, seed, type Probe } from "./harness";
import { headerSafe, junkBody, junkFieldName, junkQuery, junkValue, multipart, wellFormed } from "./junk";
import { CALLER_KINDS } from "./setup";

/**
 * Every page of the build, ≥ 500 malformed requests each, from every kind of caller: GETs with
 * junk query strings (known keys with junk values, array shapes, unicode, huge), junk router
 * headers (RSC, prefetch, state tree), and POSTs of forms that carry no valid action (junk
 * `$ACTION_…` fields, junk bodies and content types). The common checks apply
 * (e2e/fuzz/harness.ts); the database must not change (e2e/fuzz/hooks.ts).
 */

/**
 * Pages get fewer runs by default than actions and route handlers (which take input): a page
 * reads at most a few query keys, and a page render costs the most; 21 pages × 500 would take
 * the suite over its time budget on a busy 2-core machine. FUZZ_PAGE_RUNS=500 runs the full set.
 */
const RUNS = Number(process.env.FUZZ_PAGE_RUNS ?? Math.min(200, Number(process.env.FUZZ_RUNS ?? 200)));
const SOME_UUID = "00000000-0000-4000-8000-000000000000";

/** Each page: its path (dynamic segments get junk or a UUID) and the query keys it reads. */
const PAGES: Record<string, { path: fc.Arbitrary<string>; keys: string[] }> = {
  "/page": { path: fc.constant("/"), keys: [] },
  "/[...missing]/page": { path: fc.array(fc.string({ maxLength: 12 }), { minLength: 1, maxLength: 3 }).map((a) => `/no-such-${a.map((x) => encodeURIComponent(wellFormed(x))).join("/")}`), keys: [] },
  "/(auth)/login/page": { path: fc.constant("/login"), keys: ["callbackUrl", "changed", "error"] },
  "/(auth)/forgot-password/page": { path: fc.constant("/forgot-password"), keys: [] },
  "/(auth)/reset-password/page": { path: fc.constant("/reset-password"), keys: ["token"] },
  "/(auth)/reset-password/continue/page": { path: fc.constant("/reset-password/continue"), keys: [] },
  "/(auth)/mfa/page": { path: fc.constant("/mfa"), keys: ["callbackUrl", "factor", "redirect"] },
  "/(auth)/mfa/enrol/page": { path: fc.constant("/mfa/enrol"), keys: ["callbackUrl"] },
  "/(auth)/mfa/recovery-request/page": { path: fc.constant("/mfa/recovery-request"), keys: [] },
  "/(auth)/unlock/page": { path: fc.constant("/unlock"), keys: ["token"] },
  "/(auth)/not-me/page": { path: fc.constant("/not-me"), keys: ["token"] },
  "/(auth)/change-password/page": { path: fc.constant("/change-password"), keys: [] },
  "/(bank)/dashboard/page": { path: fc.constant("/dashboard"), keys: [] },
  "/(bank)/accounts/[id]/page": { path: idPath("/accounts/"), keys: [] },
  "/(bank)/transfer/page": { path: fc.constant("/transfer"), keys: ["to", "from", "amount"] },
  "/(bank)/payees/page": { path: fc.constant("/payees"), keys: [] },
  "/(bank)/security/page": { path: fc.constant("/security"), keys: ["enrolled", "next"] },
  "/(bank)/security/activity/page": { path: fc.constant("/security/activity"), keys: [] },
  "/admin/page": { path: fc.constant("/admin"), keys: [] },
  "/admin/users/page": { path: fc.constant("/admin/users"), keys: ["q", "locked", "page"] },
  "/admin/users/[id]/page": { path: idPath("/admin/users/"), keys: [] },
  "/admin/recovery-requests/page": { path: fc.constant("/admin/recovery-requests"), keys: ["status", "page"] },
  "/admin/recovery-requests/[id]/page": { path: idPath("/admin/recovery-requests/"), keys: [] },
  "/admin/settings/page": { path: fc.constant("/admin/settings"), keys: [] },
  "/admin/audit/page": { path: fc.constant("/admin/audit"), keys: ["user", "action", "outcome", "from", "to", "page"] },
  "/mock-provider/device/page": { path: fc.constant("/mock-provider/device"), keys: ["user"] },
  "/mock-provider/mailbox/page": { path: fc.constant("/mock-provider/mailbox"), keys: ["to"] },
  // The mock provider's page for a signed request; junk and forged requests are refused on the page.
  "/mock-provider/authorize/page": { path: fc.constant("/mock-provider/authorize"), keys: ["client_id", "request"] },
  // Next's own: the not-found page (rendered for the catch-all above) and the global error page.
  "/_not-found/page": { path: fc.constant("/_not-found"), keys: [] },
  "/_global-error/page": { path: fc.constant("/_global-error"), keys: [] },
};

function idPath(prefix: string): fc.Arbitrary<string> {
  return fc.oneof(fc.constant(SOME_UUID), fc.uuid(), fc.string({ unit: "binary", minLength: 1, maxLength: 40 }).map((s) => encodeURIComponent(wellFormed(s)))).map((id) => prefix + id);
}

/** A form post that names no real action: junk $ACTION fields, junk bodies. */
const junkForm = fc.oneof(
  fc.array(fc.tuple(fc.oneof(junkFieldName, fc.constantFrom("$ACTION_ID_", "$ACTION_ID_7f00", "$ACTION_REF_1", "$ACTION_1:0", "$ACTION_1:1", "$ACTION_KEY")), junkValue), { maxLength: 5 }).map((pairs) =>
    multipart(pairs.map(([name, value]) => ({ name, value }))),
  ),
  junkBody,
);

function probes(page: { path: fc.Arbitrary<string>; keys: string[] }, n: number, s: number): Probe[] {
  return fc
    .sample(
      fc.record({
        caller: fc.constantFrom(...CALLER_KINDS),
        path: page.path,
        query: fc.option(junkQuery(page.keys.length ? page.keys : ["x"]), { freq: 5 }),
        post: fc.option(junkForm, { freq: 4 }),
        headers: fc.record(
          {
            RSC: fc.constantFrom("1", "0", "junk"),
            "Next-Router-Prefetch": fc.constantFrom("1", "2", "junk"),
            "Next-Router-State-Tree": fc.oneof(headerSafe, fc.constantFrom("%5B%22%22%5D", "[]", '["",{"children":["__PAGE__",{}]},null,null,true]')),
            "Next-Url": headerSafe,
            "x-middleware-subrequest": fc.constantFrom("middleware:middleware:middleware:middleware:middleware", "proxy:proxy:proxy:proxy:proxy"),
            Accept: fc.constantFrom("text/html", "text/x-component", "*/*", "application/json"),
          },
          { requiredKeys: [] },
        ),
      }),
      { numRuns: n, seed: s },
    )
    .map(({ caller, path, query, post, headers }) => ({
      caller,
      method: post ? ("POST" as const) : ("GET" as const),
      path: query ? `${path}?${query}` : path,
      headers,
      body: post?.body,
      contentType: post?.contentType,
    }));
}

const pages = Object.keys(buildManifest<Record<string, string>>("app-paths-manifest.json")).filter((k) => k.endsWith("/page"));

test("the fuzz catalogue covers every page of the build", () => {
  expect(pages.filter((p) => !PAGES[p]), "pages without a fuzz spec: add them to PAGES").toEqual([]);
  expect(Object.keys(PAGES).filter((p) => !pages.includes(p)), "fuzz specs of pages the build no longer has").toEqual([]);
});

test.describe.configure({ mode: "parallel", timeout: 120_000 });

for (const key of pages) {
  const page = PAGES[key];
  if (!page) continue;
  test(`page ${key.replace(/\/page$/, "") || "/"}`, async () => {
    const summary = await fuzz(`page ${key.replace(/\/page$/, "") || "/"}`, probes(page, RUNS, seed() + key.length));
    expect(summary.problems).toEqual([]);
    expect(summary.requests).toBeGreaterThanOrEqual(RUNS);
  });
}
