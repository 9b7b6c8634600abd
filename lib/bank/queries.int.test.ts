import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount, createPayee, createTestDb, createUser, createVerifiedSession, type TestDb } from "@/lib/db/test-db";
import { recoveryCodesLeftAfterUse } from "@/lib/mfa/factors/recovery";
import { getSettings } from "@/lib/settings";
import { dashboardOf, listAccounts, listPayees, listTransfers, transferPageOf } from "./queries";

let t: TestDb;

beforeAll(async () => {
  t = await createTestDb();
});

afterAll(async () => {
  await t?.close();
});

describe(`dashboardOf: the dashboard's three reads in one statement, on ${process.env.DATABASE_URL ? "PostgreSQL" : "PGlite"}`, () => {
  it("answers what listAccounts, listTransfers and recoveryCodesLeftAfterUse answer, and only for its own user", async () => {
    const user = await createUser(t.db);
    const other = await createUser(t.db);
    const a = await createAccount(t.db, user.id, { name: "Everyday", balanceMinor: 123_456_789_012 });
    const b = await createAccount(t.db, user.id, { name: "Savings", balanceMinor: 5_00 });
    const payee = await createPayee(t.db, user.id, { name: "Jane Doe" });
    await createAccount(t.db, other.id, { name: "Not mine", balanceMinor: 1 });
    for (let i = 0; i < 10; i++) {
      await t.db.execute(
        sql`INSERT INTO transfers (user_id, from_account_id, to_account_id, payee_id, amount_minor, memo, created_at)
            VALUES (${user.id}, ${a.id}, ${i % 2 ? b.id : null}, ${i % 2 ? null : payee.id}, ${100 + i}, ${`memo ${i}`}, now() - ${i}::int * interval '1 minute')`,
      );
    }
    const session = await createVerifiedSession(t.db, user.id);
    const got = await dashboardOf(t.db, session, 8);
    expect(got.accounts).toEqual(await listAccounts(t.db, user.id));
    expect(got.recent).toEqual(await listTransfers(t.db, user.id, { limit: 8 }));
    expect(got.recent).toHaveLength(8);
    expect(got.codesLeft).toBe(await recoveryCodesLeftAfterUse(t.db, session));
    expect(got.codesLeft).toBeNull();
    expect(await dashboardOf(t.db, await createVerifiedSession(t.db, other.id), 8)).toMatchObject({ recent: [], codesLeft: null, accounts: [{ name: "Not mine" }] });
  });
});

describe(`transferPageOf: the transfer page's four reads in one statement, on ${process.env.DATABASE_URL ? "PostgreSQL" : "PGlite"}`, () => {
  it("answers what listAccounts, listPayees, listTransfers and getSettings answer, and only for its own user", async () => {
    const user = await createUser(t.db);
    const other = await createUser(t.db);
    const a = await createAccount(t.db, user.id, { name: "Everyday", balanceMinor: 123_456_789_012 });
    const b = await createAccount(t.db, user.id, { name: "Savings", balanceMinor: 5_00 });
    const zed = await createPayee(t.db, user.id, { name: "Zed" });
    await createPayee(t.db, user.id, { name: "Anna" });
    await createPayee(t.db, other.id, { name: "Not mine" });
    await createAccount(t.db, other.id, { name: "Not mine", balanceMinor: 1 });
    for (let i = 0; i < 25; i++) {
      await t.db.execute(
        sql`INSERT INTO transfers (user_id, from_account_id, to_account_id, payee_id, amount_minor, memo, created_at)
            VALUES (${user.id}, ${a.id}, ${i % 2 ? b.id : null}, ${i % 2 ? null : zed.id}, ${100 + i}, ${`memo ${i}`}, now() - ${i}::int * interval '1 minute')`,
      );
    }
    const got = await transferPageOf(t.db, user.id, 20);
    expect(got.accounts).toEqual(await listAccounts(t.db, user.id));
    expect(got.payees).toEqual(await listPayees(t.db, user.id));
    expect(got.payees.map((p) => p.name)).toEqual(["Anna", "Zed"]);
    expect(got.recent).toEqual(await listTransfers(t.db, user.id, { limit: 20 }));
    expect(got.recent).toHaveLength(20);
    const s = await getSettings(t.db);
    expect(got.rule).toEqual({ stepUpAmountMinor: s.stepUpAmountMinor, blockAmountMinor: s.blockAmountMinor, newPayeeHours: s.newPayeeHours });
    expect(await transferPageOf(t.db, other.id, 20)).toMatchObject({ recent: [], accounts: [{ name: "Not mine" }], payees: [{ name: "Not mine" }] });
  });
});
