import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sessions } from "@/lib/db/schema";
import { createSession, createTestDb, createUser, type TestDb } from "@/lib/db/test-db";
import { recoveryCodesLeftAfterUse, recoveryFactor as recovery } from "./recovery";
import type { Challenge } from "@/lib/db/schema";

/**
 * After a sign-in with a recovery code, the page the user lands on says how many are left
 * (app/(bank)/dashboard): only for a session verified with one — the sign-in's pending session
 * it was rotated from, or a step-up in it.
 */

let t: TestDb;

beforeAll(async () => {
  t = await createTestDb();
});

afterAll(async () => {
  await t?.close();
});

async function userWithCodes() {
  const user = await createUser(t.db);
  const registered = await recovery.register(t.db, { userId: user.id, username: user.username, email: user.email, groupId: "retail", sessionId: "" }, {});
  const codes = (registered as { data: { codes: string[] } }).data.codes;
  return { user, codes };
}

describe("recoveryCodesLeftAfterUse", () => {
  it("is null for a session that used no recovery code", async () => {
    const { user } = await userWithCodes();
    const session = await createSession(t.db, user.id, { mfaState: "verified" });
    expect(await recoveryCodesLeftAfterUse(t.db, { id: session, userId: user.id })).toBeNull();
  });

  it("counts what is left after the sign-in's pending session used one, on the session rotated from it", async () => {
    const { user, codes } = await userWithCodes();
    const pending = await createSession(t.db, user.id, { mfaState: "pending" });
    const who = { userId: user.id, username: user.username, email: user.email, groupId: "retail", sessionId: pending };
    await t.db.transaction(async (tx) => {
      expect(await recovery.verify(tx, { ...who, nowSeconds: 0 }, { code: codes[0]! }, {} as Challenge)).toEqual({ ok: true });
      await recovery.afterVerify!(tx, who);
    });
    const verified = await createSession(t.db, user.id, { mfaState: "verified" });
    await t.db.update(sessions).set({ rotatedFrom: pending }).where(eq(sessions.id, verified));
    expect(await recoveryCodesLeftAfterUse(t.db, { id: verified, userId: user.id })).toBe(9);
    // Another user's session that happens to be rotated from the same id says nothing about this one.
    const other = await createUser(t.db);
    const foreign = await createSession(t.db, other.id, { mfaState: "verified" });
    await t.db.execute(sql`UPDATE sessions SET rotated_from = ${pending} WHERE id = ${foreign}`);
    expect(await recoveryCodesLeftAfterUse(t.db, { id: foreign, userId: other.id })).toBeNull();
  });
});
