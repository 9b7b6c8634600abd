import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rows } from "@/lib/db/client";
import { factors } from "@/lib/db/schema";
import { createTestDb, createTotpFactor, createUser, type TestDb } from "@/lib/db/test-db";
import { resetUserMfaIn } from "./reset";

let t: TestDb;

beforeAll(async () => {
  t = await createTestDb();
});

afterAll(async () => {
  await t?.close();
});

describe(`Reset MFA on ${process.env.DATABASE_URL ? "PostgreSQL" : "PGlite"}`, () => {
  it("removes every factor the user has, built-in and external (prefix:capability)", async () => {
    const user = await createUser(t.db);
    await createTotpFactor(t.db, user.id);
    await t.db.insert(factors).values([
      { userId: user.id, type: "mock:sms_otp", label: "SMS to ••••1234", status: "active" },
      { userId: user.id, type: "mock:mobile_push", label: "Push to phone", status: "active" },
    ]);
    const result = await t.db.transaction((tx) => resetUserMfaIn(tx, user.id, { label: "test" }, "lost phone"));
    expect(result?.factorsRemoved).toEqual(expect.arrayContaining(["totp"]));
    const left = await rows<{ n: number }>(t.db, sql`SELECT count(*)::int AS n FROM factors WHERE user_id = ${user.id}`);
    expect(left[0]!.n).toBe(0);
  });
});
