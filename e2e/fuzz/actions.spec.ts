import fc from "fast-check";
import { expect, test } from "@playwright/test";
import { buildManifest, fuzz, seed, type Probe } from "./harness";
import { headerSafe, huge, junkBody, junkFieldName, junkString, junkValue, multipart, type Part, type Value } from "./junk";
import { CALLER_KINDS, type CallerKind } from "./setup";

/**
 * Every server action of the build, called directly with ≥ 500 malformed inputs each, by every
 * kind of caller. Each generated input breaks the action's schema in at least one way (a
 * required field missing or invalid, a file where text belongs, a repeated key) or is not a
 * well-formed action call at all (junk body, junk reply encoding, junk `Next-Action` id, a
 * no-JavaScript form post). So besides the common checks (no 5xx, no stack trace, no secret;
 * e2e/fuzz/harness.ts), a caller the guard lets through must get the parser's refusal, and a
 * caller it stops must get the guard's — and the database must not change (e2e/fuzz/hooks.ts).
 */

const INPUTS_PER_ACTION = Number(process.env.FUZZ_RUNS ?? 500);

// ─── Fields: plausible values, and values the action's schema must refuse ─────────────

type Field = { ok: fc.Arbitrary<Value>; bad: fc.Arbitrary<Value>; optional?: true };
/** zod 4's z.uuid(): RFC 9562 versions 1–8, plus the nil and the max UUID. */
const UUID = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}|00000000-0000-0000-0000-000000000000|ffffffff-ffff-ffff-ffff-ffffffffffff)$/i;
const str = (v: Value) => (typeof v === "string" ? v : v.toString("utf8"));

/** z.uuid(): anything that is not a UUID is bad; a random UUID is harmless (it names nothing). */
const uuid: Field = { ok: fc.uuid(), bad: junkValue.filter((v) => !UUID.test(str(v).trim()) && !UUID.test(str(v))) };
/** z.string().trim().min(min).max(max) */
function text(min: number, max: number, opts: { trim?: boolean; optional?: true } = {}): Field {
  const len = (v: Value) => [...(opts.trim ? str(v).trim() : str(v))].length;
  const tooLong = huge.filter((s) => s.length > max * 2 + 4);
  return {
    ok: junkString.filter((v) => len(v) >= Math.max(min, 1) && str(v).length <= max),
    bad: min > 0 ? fc.oneof(tooLong, fc.constantFrom("", ...(opts.trim ? [" ", "\t\n "] : [])).filter((v) => len(v) < min)) : tooLong,
    ...(opts.optional ? { optional: true as const } : {}),
  };
}
/** A whole number / amount field: bad values carry a letter no number parser accepts. */
const numberField: Field = {
  ok: fc.integer({ min: 0, max: 1_000_000 }).map(String),
  bad: fc.oneof(junkString.filter((s) => /[ghjklmopqrsuvwzGHJKLMOPQRSUVWZ]/.test(s)), huge),
};
/** The catchall of the MFA forms: any string up to 20,000 characters. */
const anyUpTo20k: Field = { ok: junkString, bad: huge.filter((s) => s.length > 20_000), optional: true };
const checkbox: Field = { ok: fc.constant("on"), bad: junkValue.filter((v) => str(v) !== "on"), optional: true };

/** CEL expressions the console must refuse: garbage, too long, unknown variables, beyond the parser's limits. */
const badExpression: fc.Arbitrary<Value> = fc.oneof(
  fc.constantFrom("body.", "[[[", "nope + 1", "status_code + params", "1 +".repeat(1000), `${"[".repeat(40)}1${"]".repeat(40)}`, Array(700).fill("1").join("+")),
  huge.filter((s) => s.length > 4000),
);
/** The try-it sample: a JSON object (blank counts as {}). */
function isJsonObject(v: string): boolean {
  try {
    const p: unknown = JSON.parse(v.trim() === "" ? "{}" : v);
    return typeof p === "object" && p !== null && !Array.isArray(p);
  } catch {
    return false;
  }
}

const SIGNED_OUT = "Your session has ended. Please sign in again.";
const NOT_ADMIN = "This needs an administrator.";
const PARSER = ["Please check the highlighted fields.", "The form could not be read."];

type Guard = "public" | "pending" | "enrol" | "reset" | "any-session" | "user" | "admin";
type ActionSpec = {
  fields: Record<string, Field>;
  guard: Guard;
  /** lib/actions/guard.ts: repeated fields refused, or joined (MFA answers). */
  repeated?: "join";
  /** Any well-formed form passes its schema (signOutNow, signOutIdle): such a call really signs out, so
   *  only malformed forms are sent with a session. */
  acceptsEmpty?: true;
};

const stepUp = { grantId: { ...uuid, optional: true as const } };
// `code` stands for every factor field (a passkey's `response` too): one catchall string schema.
const verifyFields = { challengeId: uuid, factor: text(1, 64), code: anyUpTo20k };

/**
 * The catalogue: every action the build has must be here (the first test checks it), with its
 * schema's fields and its guard. Keyed by "file#export".
 */
const ACTIONS: Record<string, ActionSpec> = {
  "app/(auth)/login/actions.ts#signInWithPassword": {
    guard: "public",
    fields: { username: text(1, 64, { trim: true }), password: text(1, 256), callbackUrl: text(0, 2048, { optional: true }) },
  },
  "app/(auth)/forgot-password/actions.ts#requestReset": { guard: "public", fields: { identifier: text(1, 254, { trim: true }) } },
  "app/(auth)/reset-password/actions.ts#claimReset": { guard: "public", fields: { token: text(20, 200) } },
  "app/(auth)/reset-password/actions.ts#verifyReset": { guard: "reset", repeated: "join", fields: verifyFields },
  "app/(auth)/reset-password/actions.ts#completeReset": { guard: "reset", fields: { newPassword: text(0, 1024), confirmPassword: text(0, 1024) } },
  "app/(auth)/mfa/actions.ts#verifySignIn": { guard: "pending", repeated: "join", fields: verifyFields },
  "app/(auth)/unlock/actions.ts#unlockAccount": {
    guard: "public",
    // 256-bit base64url: a well-formed random token names no link (and changes nothing).
    fields: { token: { ok: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString("base64url")), bad: junkValue.filter((v) => !/^[A-Za-z0-9_-]{43}$/.test(str(v))) } },
  },
  "app/(auth)/not-me/actions.ts#reportSignInNotMe": {
    guard: "public",
    // As the unlock link: a well-formed random token names no alert, so it changes nothing.
    fields: { token: { ok: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString("base64url")), bad: junkValue.filter((v) => !/^[A-Za-z0-9_-]{43}$/.test(str(v))) } },
  },
  "app/(auth)/change-password/actions.ts#changeRequiredPassword": { guard: "user", fields: { newPassword: text(0, 1024), confirmPassword: text(0, 1024) } },
  "app/(auth)/mfa/actions.ts#requestMfaRecovery": { guard: "pending", fields: { message: text(10, 1000, { trim: true }) } },
  "app/(auth)/mfa/actions.ts#enrolFirstFactor": {
    guard: "enrol",
    fields: { factor: text(1, 64), callbackUrl: text(0, 2048, { optional: true }), code: anyUpTo20k },
  },
  "app/(bank)/actions.ts#signOutNow": { guard: "any-session", fields: {}, acceptsEmpty: true },
  "app/(bank)/actions.ts#staySignedIn": { guard: "user", fields: {} },
  "app/(bank)/actions.ts#signOutIdle": { guard: "user", fields: {}, acceptsEmpty: true },
  "app/(bank)/step-up/actions.ts#verifyStepUp": { guard: "user", repeated: "join", fields: verifyFields },
  "app/(bank)/step-up/actions.ts#cancelStepUp": { guard: "user", fields: { challengeId: uuid } },
  "app/(bank)/transfer/actions.ts#transferFunds": {
    guard: "user",
    fields: {
      from: uuid,
      to: { ok: fc.uuid().map((u) => `account:${u}`), bad: junkValue.filter((v) => !/^(account|payee):[0-9a-f-]{36}$/.test(str(v))) },
      amount: numberField,
      memo: text(0, 140, { trim: true, optional: true }),
      idempotencyKey: uuid,
      ...stepUp,
    },
  },
  "app/(bank)/payees/actions.ts#addPayee": {
    guard: "user",
    fields: {
      name: text(1, 70, { trim: true }),
      accountNumber: { ok: junkString, bad: junkValue.filter((v) => !/^[A-Z]{2}[0-9]{2}[A-Z0-9]{8,30}$/.test(str(v).replace(/\s+/g, "").toUpperCase())) },
      ...stepUp,
    },
  },
  "app/(bank)/payees/actions.ts#removePayee": { guard: "user", fields: { payeeId: uuid, ...stepUp } },
  // A random UUID names no session of the caller's: refused, nothing changes (the ownership check is in the UPDATE).
  "app/(bank)/security/activity/actions.ts#endMySession": { guard: "user", fields: { session: uuid } },
  // A random UUID names no remembered browser of the caller's: refused, nothing changes.
  "app/(bank)/security/activity/actions.ts#forgetRememberedBrowser": { guard: "user", fields: { device: uuid } },
  "app/(bank)/security/activity/actions.ts#endMyOtherSessions": { guard: "user", fields: {}, acceptsEmpty: true },
  "app/(bank)/security/actions.ts#confirmPresence": { guard: "user", fields: { password: text(1, 256) } },
  "app/(bank)/security/actions.ts#verifyPresence": { guard: "user", repeated: "join", fields: verifyFields },
  "app/(bank)/security/actions.ts#registerFactor": {
    guard: "user",
    fields: { factor: text(1, 64), code: anyUpTo20k },
  },
  "app/(bank)/security/actions.ts#removeFactor": { guard: "user", fields: { registration: uuid } },
  "app/(bank)/security/actions.ts#renameFactor": {
    guard: "user",
    fields: {
      registration: uuid,
      name: {
        ok: junkString.filter((v) => str(v).trim().length >= 1 && [...str(v).trim()].length <= 60 && !/\p{Cc}/u.test(str(v).trim())),
        bad: fc.oneof(huge.filter((s) => s.length > 200), fc.constantFrom("", " ", "\t\n ")),
      },
    },
  },
  "app/(bank)/security/actions.ts#changePassword": {
    guard: "user",
    fields: { currentPassword: text(1, 256), newPassword: text(0, 1024), confirmPassword: text(0, 1024) },
  },
  "app/admin/users/actions.ts#resetUserMfa": { guard: "admin", fields: { userId: uuid, reason: text(3, 500, { trim: true }), ...stepUp } },
  "app/admin/users/actions.ts#unlockUser": { guard: "admin", fields: { userId: uuid, reason: text(3, 500, { trim: true }), ...stepUp } },
  "app/admin/users/actions.ts#declineRecoveryRequest": { guard: "admin", fields: { userId: uuid, reason: text(3, 500, { trim: true }), ...stepUp } },
  "app/admin/users/actions.ts#endUserSession": {
    guard: "admin",
    fields: { userId: uuid, sessionId: uuid, reason: text(3, 500, { trim: true }), ...stepUp },
  },
  "app/admin/users/actions.ts#endUserSessions": { guard: "admin", fields: { userId: uuid, reason: text(3, 500, { trim: true }), ...stepUp } },
  "app/admin/settings/actions.ts#updateSettings": {
    guard: "admin",
    fields: {
      ...Object.fromEntries(
        ["lockoutThreshold", "lockoutDurationMinutes", "backoffBaseSeconds", "backoffMaxSeconds", "mfaTokenLifetimeMinutes", "stepUpAmountMinor", "blockAmountMinor", "newPayeeHours"].map(
          (k) => [k, numberField],
        ),
      ),
      ...stepUp,
    },
  },
  "app/admin/settings/actions.ts#updateGroupProfile": {
    guard: "admin",
    fields: {
      groupId: text(1, 64),
      mfaRequired: checkbox,
      selfUnlock: checkbox,
      phishingResistantOnly: checkbox,
      rememberDeviceDays: { ok: fc.integer({ min: 0, max: 30 }).map(String), bad: fc.oneof(fc.integer({ min: 31, max: 1_000_000 }).map(String), numberField.bad) },
      "signIn.totp": checkbox,
      "stepUp.totp": checkbox,
      "signIn.recovery": checkbox,
      ...stepUp,
    },
  },
  "app/admin/settings/actions.ts#updateProvider": {
    guard: "admin",
    fields: {
      providerId: uuid,
      enabled: checkbox,
      // Only "too long" is surely bad for these (blank keeps the stored value or means the mock).
      baseUrl: text(0, 512, { trim: true }),
      timeoutSeconds: numberField,
      clientId: text(0, 256, { trim: true, optional: true }),
      clientSecret: text(0, 512, { optional: true }),
      ...stepUp,
    },
  },
  "app/admin/settings/actions.ts#updateProviderResources": {
    guard: "admin",
    fields: {
      providerId: uuid,
      "r.initiate.method": { ok: fc.constantFrom("", "GET", "POST"), bad: junkValue.filter((v) => !["", "GET", "POST", "PUT", "PATCH", "DELETE"].includes(str(v))), optional: true },
      "r.initiate.expectedStatus": { ok: fc.constantFrom("", "201", "200, 202"), bad: numberField.bad, optional: true },
      "r.enrollments.suffix": {
        ok: fc.constantFrom("", "/v2/people"),
        bad: fc.oneof(fc.constantFrom("people", "/a b", "/x?y=1", "/../etc", "/a\\b"), huge.filter((s) => s.length > 600)),
        optional: true,
      },
      // Garbage, huge, or expressions that do not compile (syntax, unknown variables, limits).
      "r.validate.incoming": { ok: fc.constantFrom("", "body"), bad: badExpression, optional: true },
      "r.sms_otp_2.outgoing": { ok: fc.constantFrom("", '{"body": body}'), bad: badExpression, optional: true },
      ...stepUp,
    },
  },
  "app/admin/settings/actions.ts#tryProviderTransform": {
    guard: "admin",
    fields: {
      resource: { ok: fc.constantFrom("initiate", "sms_otp_2"), bad: junkValue.filter((v) => !/^(enrollments|initiate|validate|result|cancel|(mobile_push|sms_otp|voice_otp|email_otp)_[12])$/.test(str(v))) },
      direction: { ok: fc.constantFrom("incoming", "outgoing"), bad: junkValue.filter((v) => !["incoming", "outgoing"].includes(str(v))) },
      // A well-formed sample with an expression that does not compile is refused as a field error too.
      expression: { ok: fc.constantFrom("body"), bad: fc.oneof(badExpression, fc.constantFrom("", "   ")) },
      sample: { ok: fc.constantFrom("{}", '{"body": null}'), bad: fc.oneof(junkValue.filter((v) => !isJsonObject(str(v))), huge.filter((s) => s.length > 64 * 1024)) },
    },
  },
  "app/mock-provider/device/actions.ts#answerPush": {
    guard: "public",
    fields: {
      transactionId: uuid,
      answer: {
        ok: fc.constantFrom("deny", "10", "99"),
        bad: junkValue.filter((v) => {
          const n = Number(str(v));
          return str(v) !== "deny" && !(Number.isInteger(n) && n >= 10 && n <= 99);
        }),
      },
    },
  },
};

// ─── Callers ───────────────────────────────────────────────────────────────────────────

/** Who the guard lets reach the parser, and what it answers everybody else. */
function guardAnswer(guard: Guard, caller: CallerKind): "parser" | string {
  if (guard === "public") return "parser";
  if (caller === "anonymous" || caller === "junk-cookie") return SIGNED_OUT;
  switch (guard) {
    case "pending":
    case "enrol":
    case "reset":
      return caller === guard ? "parser" : SIGNED_OUT;
    case "any-session":
      return "parser";
    case "user":
      return caller === "customer" || caller === "admin" ? "parser" : SIGNED_OUT;
    case "admin":
      return caller === "admin" ? "parser" : caller === "customer" ? NOT_ADMIN : SIGNED_OUT;
  }
}

/** Half the inputs go to callers the guard lets through, so the parsers are really reached. */
function callerArb(guard: Guard): fc.Arbitrary<CallerKind> {
  const reaching = CALLER_KINDS.filter((c) => guardAnswer(guard, c) === "parser");
  return fc.oneof(fc.constantFrom(...reaching), fc.constantFrom(...CALLER_KINDS));
}

// ─── Inputs ────────────────────────────────────────────────────────────────────────────

type Mutation =
  | { kind: "drop"; field: string }
  | { kind: "bad"; field: string; value: Value }
  | { kind: "file"; field: string; value: Value; type: string }
  | { kind: "repeat"; field: string; value: Value };

/** At least one mutation that the schema must refuse. */
function mutations(spec: ActionSpec): fc.Arbitrary<Mutation[]> {
  const names = Object.keys(spec.fields);
  const required = names.filter((n) => !spec.fields[n]!.optional);
  // Joined repeats ("a,b") break a UUID only; other fields may still parse once joined.
  const repeatable = spec.repeated === "join" ? names.filter((n) => spec.fields[n] === uuid || n === "challengeId") : [...names, "x"];
  const options: fc.Arbitrary<Mutation>[] = [
    fc.tuple(fc.constantFrom(...names, "x"), junkValue, fc.constantFrom("application/octet-stream", "text/plain", "image/png", "")).map(
      ([field, value, type]): Mutation => ({ kind: "file", field, value, type }),
    ),
  ];
  if (names.length) {
    options.push(fc.constantFrom(...names).chain((field) => spec.fields[field]!.bad.map((value): Mutation => ({ kind: "bad", field, value }))));
  }
  if (required.length) options.push(fc.constantFrom(...required).map((field): Mutation => ({ kind: "drop", field })));
  if (repeatable.length) options.push(fc.tuple(fc.constantFrom(...repeatable), junkValue).map(([field, value]): Mutation => ({ kind: "repeat", field, value })));
  return fc.array(fc.oneof(...options), { minLength: 1, maxLength: 3 });
}

function formParts(spec: ActionSpec, base: Record<string, Value>, present: Record<string, boolean>, muts: Mutation[], noise: [string, Value][]): Part[] {
  const values = new Map<string, Value | undefined>();
  for (const [name, field] of Object.entries(spec.fields)) if (!field.optional || present[name]) values.set(name, base[name]);
  const extra: Part[] = [];
  for (const m of muts) {
    if (m.kind === "drop") values.delete(m.field);
    if (m.kind === "bad") values.set(m.field, m.value);
    if (m.kind === "file") extra.push({ name: m.field, value: m.value, file: { filename: "x.bin", type: m.type || "application/octet-stream" } });
  }
  const parts: Part[] = [...values].map(([name, value]) => ({ name, value: value ?? "" }));
  for (const [name, value] of noise) if (!(name in spec.fields) && name !== "grantId") parts.push({ name, value });
  // A repeat leaves the field at least twice, whatever else dropped or replaced it.
  for (const m of muts) {
    if (m.kind !== "repeat") continue;
    const count = () => [...parts, ...extra].filter((p) => p.name === m.field && !p.file).length;
    while (count() < 2) extra.push({ name: m.field, value: m.value });
  }
  return [...parts, ...extra];
}

type Encoded = {
  body: Buffer;
  contentType: string;
  headers: Record<string, string>;
  mode: "action" | "no-js form" | "raw";
  note?: string;
  /** A part name with a control character: Next's multipart parser cannot read it, the gate refuses it. */
  unreadable?: boolean;
};
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;

/** React's reply encoding (e2e/server-actions.ts): fields "_1_<name>", then the root "0". */
function asActionCall(id: string, parts: Part[]): Encoded {
  const m = multipart([...parts.map((p) => ({ ...p, name: `_1_${p.name}` })), { name: "0", value: JSON.stringify([{ status: "idle" }, "$K1"]) }]);
  return { ...m, headers: { "Next-Action": id, Accept: "text/x-component" }, mode: "action" };
}

/** What a browser without JavaScript posts for a useActionState form (Next's MPA encoding). */
function asNoJsForm(id: string, parts: Part[], bound: boolean): Encoded {
  const prefix = bound
    ? [
        { name: "$ACTION_REF_1", value: "" },
        { name: "$ACTION_1:0", value: JSON.stringify({ id, bound: "$@1" }) },
        { name: "$ACTION_1:1", value: JSON.stringify([{ status: "idle" }]) },
        { name: "$ACTION_KEY", value: "k0" },
      ]
    : [{ name: `$ACTION_ID_${id}`, value: "" }];
  return { ...multipart([...prefix, ...parts]), headers: { Accept: "text/html" }, mode: "no-js form" };
}

function inputs(id: string, spec: ActionSpec): fc.Arbitrary<{ caller: CallerKind; enc: Encoded }> {
  const names = Object.keys(spec.fields);
  const form = fc
    .record({
      caller: callerArb(spec.guard),
      base: fc.record(Object.fromEntries(names.map((n) => [n, spec.fields[n]!.ok]))) as fc.Arbitrary<Record<string, Value>>,
      present: fc.record(Object.fromEntries(names.map((n) => [n, fc.boolean()]))) as fc.Arbitrary<Record<string, boolean>>,
      muts: mutations(spec),
      noise: fc.array(fc.tuple(junkFieldName, junkValue), { maxLength: 3 }),
      how: fc.constantFrom("action", "action", "action", "action", "no-js bound", "no-js id"),
    })
    .map(({ caller, base, present, muts, noise, how }) => {
      const parts = formParts(spec, base, present, muts, noise);
      const enc = how === "action" ? asActionCall(id, parts) : asNoJsForm(id, parts, how === "no-js bound");
      return {
        caller,
        enc: { ...enc, note: muts.map((m) => `${m.kind} ${m.field}`).join(", "), unreadable: parts.some((p) => CONTROL.test(p.name.replace(/[\r\n"]/g, "_"))) },
      };
    });
  // Not a well-formed call: this action's id with a junk body, or a junk id with any body.
  const rawCaller = spec.acceptsEmpty ? fc.constantFrom<CallerKind>("anonymous", "junk-cookie") : fc.constantFrom(...CALLER_KINDS);
  const raw = fc
    .record({
      caller: rawCaller,
      body: fc.oneof(junkBody, fc.constant(null)),
      junkId: fc.option(headerSafe, { freq: 2 }),
      accept: fc.constantFrom("text/x-component", "*/*", "application/json"),
      // A cross-site form post (CSRF): a foreign or opaque Origin with an otherwise valid call.
      origin: fc.option(fc.constantFrom("http://evil.example", "null", "http://127.0.0.1.evil.example", "junk"), { freq: 3 }),
    })
    .map(({ caller, body, junkId, accept, origin }) => ({
      caller,
      enc: {
        ...(body ?? asActionCall(id, [{ name: "x", value: "y" }])),
        headers: { "Next-Action": junkId ?? id, Accept: accept, ...(origin ? { Origin: origin } : {}) },
        mode: "raw" as const,
      },
    }));
  return fc.oneof({ weight: 4, arbitrary: form }, { weight: 1, arbitrary: raw });
}

// ─── The action's page and the expected answer ──────────────────────────────────────────

type ManifestEntry = { filename: string; exportedName: string; workers: Record<string, unknown> };

/** A page that carries the action: "app/(bank)/accounts/[id]/page" → "/accounts/<uuid>". */
function pageOf(entry: ManifestEntry): string {
  const worker = Object.keys(entry.workers).sort()[0]!;
  const p = worker
    .replace(/^app/, "")
    .replace(/\/page$/, "")
    .replace(/\/\([^/]+\)/g, "")
    .replace(/\[[^\]]+\]/g, "00000000-0000-4000-8000-000000000000");
  return p || "/";
}

function expectation(spec: ActionSpec, caller: CallerKind, enc: Encoded): Probe["check"] {
  if (enc.mode !== "action") return undefined; // a page, a 404, a 4xx: the common checks apply
  const answer = guardAnswer(spec.guard, caller);
  return ({ status, body, headers }) => {
    if (status === 413 || status === 431) return null; // body or headers over the limit: refused before the action
    // proxy.ts (lib/http/action-request.ts) refuses a form Next could not parse.
    if (enc.unreadable) return status === 400 && body === "The form could not be read.\n" ? null : `expected the gate's 400 (status ${status})`;
    const wanted = answer === "parser" ? PARSER : [answer];
    // A caller without a session cookie is sent to /login by proxy.ts before the action runs.
    const toLogin = status >= 300 && status < 400 && (headers.get("location") ?? "").startsWith("/login");
    if (answer !== "parser" && toLogin) return null;
    return wanted.some((w) => body.includes(w)) ? null : `expected ${answer === "parser" ? "the parser's refusal" : JSON.stringify(answer)} (status ${status})`;
  };
}

// ─── Tests ─────────────────────────────────────────────────────────────────────────────

const manifest = buildManifest<{ node: Record<string, ManifestEntry> }>("server-reference-manifest.json");
const built = Object.entries(manifest.node).map(([id, e]) => ({ id, key: `${e.filename}#${e.exportedName}`, entry: e }));

test("the fuzz catalogue covers every server action of the build", () => {
  expect(built.map((a) => a.key).filter((k) => !ACTIONS[k]), "actions without a fuzz spec: add them to ACTIONS").toEqual([]);
  expect(Object.keys(ACTIONS).filter((k) => !built.some((a) => a.key === k)), "fuzz specs of actions the build no longer has").toEqual([]);
});

// ~40 s for the slowest action on a busy 2-core machine; the budget says when it is far off.
test.describe.configure({ mode: "parallel", timeout: 120_000 });

for (const { id, key, entry } of built) {
  const spec = ACTIONS[key];
  if (!spec) continue;
  test(`server action ${entry.exportedName} (${entry.filename})`, async () => {
    const page = pageOf(entry);
    const samples = fc.sample(inputs(id, spec), { numRuns: INPUTS_PER_ACTION, seed: seed() + key.length });
    const probes: Probe[] = samples.map(({ caller, enc }) => ({
      caller,
      method: "POST",
      path: page,
      headers: enc.headers,
      body: enc.body,
      contentType: enc.contentType,
      check: expectation(spec, caller, enc),
      note: `${enc.mode}${enc.note ? `: ${enc.note}` : ""}`,
    }));
    const summary = await fuzz(`action ${entry.exportedName}`, probes);
    expect(summary.problems).toEqual([]);
    expect(summary.requests).toBeGreaterThanOrEqual(INPUTS_PER_ACTION);
  });
}
