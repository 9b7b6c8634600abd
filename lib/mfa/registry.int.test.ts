import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "@/lib/db/test-db";
import { allFactors, offeredFactors, usableFactor } from "./registry";
import type { Workflow } from "./factors/types";

/**
 * offeredFactors answers from one read; each plugin's `activeIn` must agree with
 * its own `isActive` query in every state a user can be in.
 */

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => {
  await t?.close();
});

async function factorRow(userId: string, type: string, status: "pending" | "active") {
  await t.query(sql`INSERT INTO factors (id, user_id, type, label, status) VALUES (${randomUUID()}, ${userId}, ${type}, ${type}, ${status})`);
}
async function recoveryCode(userId: string, used: boolean) {
  await t.query(sql`INSERT INTO recovery_codes (user_id, code_hash, used_at) VALUES (${userId}, ${randomUUID()}, ${used ? sql`now()` : null})`);
}

const STATES: Record<string, (userId: string) => Promise<void>> = {
  nothing: async () => {},
  "pending TOTP only": async (u) => factorRow(u, "totp", "pending"),
  "active TOTP": async (u) => factorRow(u, "totp", "active"),
  "active passkey and TOTP, every recovery code used": async (u) => {
    await factorRow(u, "passkey", "active");
    await factorRow(u, "totp", "active");
    await recoveryCode(u, true);
  },
  "active TOTP and unused recovery codes": async (u) => {
    await factorRow(u, "totp", "active");
    await recoveryCode(u, false);
    await recoveryCode(u, true);
  },
};

describe("offeredFactors", () => {
  for (const [name, setUp] of Object.entries(STATES)) {
    it(`agrees with every plugin's isActive: ${name}`, async () => {
      const user = await t.createUser({ group: "retail" });
      await setUp(user.id);
      const who = { userId: user.id, username: user.username, email: user.email, groupId: "retail", sessionId: randomUUID() };
      for (const workflow of ["sign_in", "step_up"] as Workflow[]) {
        const slow: string[] = [];
        for (const f of allFactors()) if (await f.isActive(t.db, user.id)) slow.push(f.id);
        const { usable } = await offeredFactors(t.db, who, workflow);
        expect(usable.map((f) => f.id).sort(), workflow).toEqual(slow.sort());
        for (const f of allFactors()) {
          expect(Boolean(await usableFactor(t.db, who, workflow, f.id)), `${workflow} ${f.id}`).toBe(slow.includes(f.id));
        }
      }
    });
  }
});
