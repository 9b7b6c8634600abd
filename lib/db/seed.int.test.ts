import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashPassword } from "@/lib/auth/password";
import { seed } from "./seed";
import { users } from "./schema";
import { createTestDb, type TestDb } from "./test-db";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => {
  await t?.close();
});

describe("the seed's start-up log", () => {
  it("prints a demo password only while it is still the seeded one, and says how to reset", async () => {
    await seed(t.db, () => {});
    await t.db.update(users).set({ passwordHash: await hashPassword("alice-changed-it-1") }).where(eq(users.username, "alice"));
    const lines: string[] = [];
    await seed(t.db, (l) => lines.push(l));
    const text = lines.join("\n");
    expect(text).not.toContain("alice-demo-password");
    expect(text).toMatch(/alice +\/ \(password changed in this demo: not shown\)/);
    expect(text).toContain("bob-demo-password");
    expect(text).toContain("npm run demo:reset");
  });
});
