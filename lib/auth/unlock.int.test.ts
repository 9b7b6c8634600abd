import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb, type TestUser } from "@/lib/db/test-db";
import { recordPasswordAttempt } from "@/lib/mfa/lockout";
import { SELF_UNLOCKS_PER_DAY, unlockLinkState, unlockWithLink } from "./unlock";

/**
 * Self-service unlock (NIST SP 800-63B-4 §3.2.2): the lock mail's link, spent by a button,
 * once; superseded by a newer lock; refused for groups that forbid it; a few a day.
 */

let t: TestDb;
const client = { ip: "192.0.2.20" };

beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => {
  await t?.close();
});

/** Five wrong passwords: locked, with a fresh link in the newest lock mail. Returns the token. */
async function lock(user: TestUser): Promise<string | null> {
  for (let i = 0; i < 5; i++) {
    await recordPasswordAttempt(t.db, { userId: user.id, factor: "password", purpose: "sign_in", passwordOk: false, userHasMfa: true }, async () => 0);
  }
  const [mail] = await t.query<{ body: string }>(
    sql`SELECT body FROM outbox WHERE user_id = ${user.id} AND subject LIKE '%was locked' ORDER BY created_at DESC, id LIMIT 1`,
  );
  return /\/unlock\?token=([A-Za-z0-9_-]{43})/.exec(mail!.body)?.[1] ?? null;
}

const lockedNow = async (user: TestUser) =>
  (await t.query<{ locked: boolean }>(sql`SELECT locked_at IS NOT NULL AS locked FROM users WHERE id = ${user.id}`))[0]!.locked;

describe("the unlock link", () => {
  it("is in the lock mail, is only read by the page, and unlocks once", async () => {
    const user = await t.createUser();
    const token = (await lock(user))!;
    expect(token).toBeTruthy();
    const [{ n }] = await t.query<{ n: number }>(sql`SELECT count(*)::int AS n FROM unlock_links WHERE token_hash = ${token}`);
    expect(n).toBe(0); // only the hash is stored
    expect(await unlockLinkState(t.db, token)).toBe("valid");
    expect(await unlockLinkState(t.db, token)).toBe("valid");
    expect(await lockedNow(user)).toBe(true);

    expect(await unlockWithLink(t.db, token, client)).toEqual({ kind: "unlocked" });
    expect(await lockedNow(user)).toBe(false);
    const [counters] = await t.query<{ failed_attempts: number }>(sql`SELECT failed_attempts FROM users WHERE id = ${user.id}`);
    expect(counters!.failed_attempts).toBe(0);
    expect(await unlockWithLink(t.db, token, client)).toEqual({ kind: "invalid", state: "used" });
    expect(await unlockLinkState(t.db, token)).toBe("used");
    // Audited with who did it, and no session was created.
    const [audit] = await t.query<{ actor_label: string }>(
      sql`SELECT actor_label FROM audit_events WHERE subject_user_id = ${user.id} AND action = 'account.unlocked' ORDER BY id DESC LIMIT 1`,
    );
    expect(audit!.actor_label).toBe("self (unlock link)");
    const [{ s }] = await t.query<{ s: number }>(sql`SELECT count(*)::int AS s FROM sessions WHERE user_id = ${user.id}`);
    expect(s).toBe(0);
  });

  it("is superseded by the next lock's link, and expires after an hour", async () => {
    const user = await t.createUser();
    const first = (await lock(user))!;
    await t.query(sql`UPDATE users SET locked_at = NULL, failed_attempts = 0 WHERE id = ${user.id}`);
    const second = (await lock(user))!;
    expect(await unlockWithLink(t.db, first, client)).toEqual({ kind: "invalid", state: "superseded" });
    await t.query(sql`UPDATE unlock_links SET expires_at = now() - interval '1 second' WHERE user_id = ${user.id} AND voided_at IS NULL`);
    expect(await unlockWithLink(t.db, second, client)).toEqual({ kind: "invalid", state: "expired" });
    expect(await lockedNow(user)).toBe(true);
  });

  it("does not exist for staff, and is refused if the group forbids it after the mail", async () => {
    const staff = await t.createUser({ group: "staff", role: "admin" });
    expect(await lock(staff)).toBeNull();
    const user = await t.createUser({ group: "commercial" });
    const token = (await lock(user))!;
    await t.query(sql`UPDATE groups SET self_unlock = false WHERE id = 'commercial'`);
    try {
      expect(await unlockWithLink(t.db, token, client)).toEqual({ kind: "forbidden" });
      expect(await lockedNow(user)).toBe(true);
    } finally {
      await t.query(sql`UPDATE groups SET self_unlock = true WHERE id = 'commercial'`);
    }
  });

  it(`unlocks at most ${SELF_UNLOCKS_PER_DAY} times a day per account`, async () => {
    const user = await t.createUser();
    for (let i = 0; i < SELF_UNLOCKS_PER_DAY; i++) {
      expect(await unlockWithLink(t.db, (await lock(user))!, client)).toEqual({ kind: "unlocked" });
    }
    const token = (await lock(user))!;
    expect(await unlockWithLink(t.db, token, client)).toEqual({ kind: "throttled" });
    expect(await lockedNow(user)).toBe(true);
    expect(await unlockLinkState(t.db, token)).toBe("valid");
  });

  it("refuses garbage without touching anything", async () => {
    expect(await unlockLinkState(t.db, "garbage")).toBe("unknown");
    expect(await unlockWithLink(t.db, "A".repeat(43), client)).toEqual({ kind: "invalid", state: "unknown" });
  });
});
