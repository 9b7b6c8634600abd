import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signInHistoryOf } from "@/lib/admin/audit";
import { createTestDb, type TestDb, type TestUser } from "@/lib/db/test-db";
import { notMeLinkState, recordSignInDevice, reportNotMe } from "./devices";
import { setNewPassword } from "./password-reset";
import { endOtherSessions, endSessionOf, listActiveSessions } from "./security-centre";

/**
 * The security centre's data rules: new-device mail and its "This wasn't
 * me" link, ending sessions only of their owner, the 30-day sign-in history.
 */

let t: TestDb;
const CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";

beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => {
  await t?.close();
});

const mails = (user: TestUser, subject: string) =>
  t.query<{ body: string }>(sql`SELECT body FROM outbox WHERE user_id = ${user.id} AND subject = ${subject} ORDER BY created_at DESC`);
const live = async (user: TestUser) =>
  (await t.query<{ n: number }>(sql`SELECT count(*)::int AS n FROM sessions WHERE user_id = ${user.id} AND revoked_at IS NULL`))[0]!.n;
const mustChange = async (user: TestUser) =>
  (await t.query<{ m: boolean }>(sql`SELECT must_change_password AS m FROM users WHERE id = ${user.id}`))[0]!.m;
const NEW_SIGN_IN = "New sign-in to your MFA Bank account";

/** Signs in on a browser: the device check as the sign-in would run it. Returns the new link's token, if a mail went out. */
async function signInOn(user: TestUser, deviceSecret: string | null, userAgent = CHROME) {
  const r = await t.db.transaction((tx) => recordSignInDevice(tx, user.id, { deviceSecret, ip: "192.0.2.30", userAgent }));
  return { ...r, token: r.notMeUrl ? /\/not-me\?token=([A-Za-z0-9_-]{43})$/.exec(r.notMeUrl)?.[1] ?? null : null };
}

describe("new-device mail", () => {
  it("is not sent for the first browser, is sent once for a new one, and not again for a known one", async () => {
    const user = await t.createUser();
    const first = await signInOn(user, null);
    expect(first).toMatchObject({ isNew: true, notMeUrl: null });
    expect(await mails(user, NEW_SIGN_IN)).toHaveLength(0);
    // The same browser again (it kept its cookie): nothing.
    expect(await signInOn(user, first.deviceSecret)).toMatchObject({ isNew: false, notMeUrl: null, deviceSecret: first.deviceSecret });
    // Another browser: one mail naming it, with a link whose token is stored hashed only.
    const second = await signInOn(user, null, IPHONE);
    expect(second.isNew).toBe(true);
    expect(second.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const sent = await mails(user, NEW_SIGN_IN);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.body).toContain("Mobile Safari 17 on Apple iPhone, iOS 17.4");
    expect(sent[0]!.body).toContain("192.0.2.30");
    const [{ n }] = await t.query<{ n: number }>(sql`SELECT count(*)::int AS n FROM sign_in_alerts WHERE token_hash = ${second.token}`);
    expect(n).toBe(0);
    expect(await signInOn(user, second.deviceSecret, IPHONE)).toMatchObject({ isNew: false });
    // A forged or malformed cookie is just an unknown browser.
    expect(await signInOn(user, "not-a-device-secret")).toMatchObject({ isNew: true });
    expect(await mails(user, NEW_SIGN_IN)).toHaveLength(2);
  });

  it("treats one browser as new for each user who signs in on it", async () => {
    const [a, b] = [await t.createUser(), await t.createUser()];
    await signInOn(b, null); // b's own first browser
    const onA = await signInOn(a, null);
    const onB = await signInOn(b, onA.deviceSecret);
    expect(onB).toMatchObject({ isNew: true, deviceSecret: onA.deviceSecret });
    expect(onB.token).not.toBeNull();
  });
});

describe("the \"This wasn't me\" link", () => {
  it("is only read by the page; the button ends every session, forgets the browser and asks for a new password, once", async () => {
    const user = await t.createUser();
    await signInOn(user, null);
    const { token, deviceSecret } = await signInOn(user, null, IPHONE);
    for (let i = 0; i < 3; i++) await t.createSession(user.id, { mfaState: "verified" });
    expect(await notMeLinkState(t.db, token!)).toMatchObject({ state: "valid", device: "Mobile Safari 17 on Apple iPhone, iOS 17.4", ip: "192.0.2.30" });
    expect(await notMeLinkState(t.db, token!)).toMatchObject({ state: "valid" });
    expect(await live(user)).toBe(3);

    expect(await reportNotMe(t.db, token!, { ip: "192.0.2.31" })).toEqual({ kind: "secured", sessionsEnded: 3 });
    expect(await live(user)).toBe(0);
    expect(await mustChange(user)).toBe(true);
    const [{ reasons }] = await t.query<{ reasons: string[] }>(
      sql`SELECT array_agg(DISTINCT revoke_reason) AS reasons FROM sessions WHERE user_id = ${user.id}`,
    );
    expect(reasons).toEqual(["reported_not_me"]);
    expect(await mails(user, "We signed your MFA Bank account out everywhere")).toHaveLength(1);
    // The reported browser is forgotten: its next sign-in mails again.
    expect((await signInOn(user, deviceSecret, IPHONE)).token).not.toBeNull();

    // Spent: a second press changes nothing.
    await t.createSession(user.id, { mfaState: "verified" });
    expect(await reportNotMe(t.db, token!, { ip: null })).toEqual({ kind: "invalid", state: "used" });
    expect(await notMeLinkState(t.db, token!)).toEqual({ state: "used" });
    expect(await live(user)).toBe(1);

    // A new password clears the mark.
    await t.db.transaction((tx) =>
      setNewPassword(tx, user, "$argon2id$placeholder", { via: "security page", sessionId: "00000000-0000-4000-8000-000000000000", ip: null }),
    );
    expect(await mustChange(user)).toBe(false);
  });

  it("refuses garbage, unknown and expired tokens without changing anything", async () => {
    const user = await t.createUser();
    await signInOn(user, null);
    const { token } = await signInOn(user, null, IPHONE);
    await t.createSession(user.id, { mfaState: "verified" });
    for (const junk of ["", "garbage", "x".repeat(43), "'; DROP TABLE users; --", "é".repeat(43), "a".repeat(10_000)]) {
      expect(await notMeLinkState(t.db, junk)).toEqual({ state: "unknown" });
      expect(await reportNotMe(t.db, junk, { ip: null })).toEqual({ kind: "invalid", state: "unknown" });
    }
    await t.query(sql`UPDATE sign_in_alerts SET expires_at = now() - interval '1 second' WHERE user_id = ${user.id}`);
    expect(await notMeLinkState(t.db, token!)).toEqual({ state: "expired" });
    expect(await reportNotMe(t.db, token!, { ip: null })).toEqual({ kind: "invalid", state: "expired" });
    expect(await live(user)).toBe(1);
    expect(await mustChange(user)).toBe(false);
  });
});

describe("ending sessions", () => {
  const by = (user: TestUser, sessionId: string) => ({ sessionId, ip: "192.0.2.40", actorUserId: user.id, actorLabel: user.username });

  it("ends one of the user's own other sessions, never another user's and never the caller's own", async () => {
    const [me, other] = [await t.createUser(), await t.createUser()];
    const mine = await t.createSession(me.id, { mfaState: "verified" });
    const myOther = await t.createSession(me.id, { mfaState: "verified" });
    const theirs = await t.createSession(other.id, { mfaState: "verified" });
    const end = (target: string) =>
      t.db.transaction((tx) => endSessionOf(tx, me.id, target, { ...by(me, mine), reason: "signed_out_elsewhere", keep: mine }));

    expect(await end(theirs)).toBe(false);
    expect(await end(mine)).toBe(false);
    expect(await live(other)).toBe(1);
    expect(await live(me)).toBe(2);
    expect(await end(myOther)).toBe(true);
    expect(await end(myOther)).toBe(false); // already ended
    expect((await listActiveSessions(t.db, me.id)).map((s) => s.id)).toEqual([mine]);
    const [row] = await t.query<{ revoke_reason: string }>(sql`SELECT revoke_reason FROM sessions WHERE id = ${myOther}`);
    expect(row!.revoke_reason).toBe("signed_out_elsewhere");
    const audits = await t.query<{ outcome: string }>(
      sql`SELECT outcome FROM audit_events WHERE action = 'session.ended' AND subject_user_id = ${me.id} ORDER BY id`,
    );
    expect(audits.map((a) => a.outcome)).toEqual(["refused", "refused", "ok", "refused"]);
  });

  it("signs out all other sessions and keeps this one", async () => {
    const user = await t.createUser();
    const mine = await t.createSession(user.id, { mfaState: "verified" });
    await t.createSession(user.id, { mfaState: "verified" });
    await t.createSession(user.id, { mfaState: "pending" });
    expect(await t.db.transaction((tx) => endOtherSessions(tx, user.id, mine, by(user, mine)))).toBe(2);
    expect((await listActiveSessions(t.db, user.id)).map((s) => s.id)).toEqual([mine]);
    expect(await t.db.transaction((tx) => endOtherSessions(tx, user.id, mine, by(user, mine)))).toBe(0);
  });
});

describe("sign-in history", () => {
  it("lists the sign-in steps of the last 30 days with their browser, and leaves out presence checks", async () => {
    const user = await t.createUser();
    const session = await t.createSession(user.id, { mfaState: "pending" });
    await t.query(sql`UPDATE sessions SET user_agent = ${IPHONE} WHERE id = ${session}`);
    const ev = (action: string, outcome: string, extra: ReturnType<typeof sql>) =>
      t.query(sql`INSERT INTO audit_events (action, outcome, subject_user_id, session_id, details, at)
                  VALUES (${action}, ${outcome}, ${user.id}, ${extra})`);
    await ev("sign_in.password", "failed", sql`NULL, '{"reason":"wrong password"}'::jsonb, now() - interval '2 days'`);
    await ev("mfa.verify", "ok", sql`${session}::uuid, '{"factor":"totp","purpose":"sign_in"}'::jsonb, now() - interval '1 day'`);
    await ev("mfa.verify", "ok", sql`${session}::uuid, '{"factor":"totp","purpose":"step_up"}'::jsonb, now()`);
    await ev("sign_in.password", "ok", sql`${session}::uuid, '{}'::jsonb, now()`); // presence: inside a session
    await ev("sign_in.password", "ok", sql`NULL, '{}'::jsonb, now() - interval '31 days'`);
    const list = await signInHistoryOf(t.db, user.id, { days: 30 });
    expect(list.map((e) => [e.action, e.outcome, e.userAgent])).toEqual([
      ["mfa.verify", "ok", IPHONE],
      ["sign_in.password", "failed", null],
    ]);
    expect(await signInHistoryOf(t.db, user.id)).toHaveLength(3);
  });
});
