import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { findSession } from "@/lib/auth/sessions";
import { sha256 } from "@/lib/crypto";
import { rows } from "@/lib/db/client";
import { createTestDb, createUser, createVerifiedSession, type TestDb } from "@/lib/db/test-db";
import { advanceClock, assertClockUnmoved, ClockMovedError, handleClockRequest, readClock } from "./clock";

/**
 * The test clock (lib/clock.ts): one offset moves every time decision in SQL; only a test run
 * can move it (the route is a 404 under any other APP_ENV); any other run refuses to start on
 * a database whose clock was moved.
 */

let t: TestDb;

beforeAll(async () => {
  t = await createTestDb();
});

afterAll(async () => {
  await t?.close();
});

beforeEach(async () => {
  await t.db.execute(sql`UPDATE test_clock SET offset_ms = 0`);
});

const post = (body: unknown) =>
  new Request("http://localhost/api/test/clock", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
const get = () => new Request("http://localhost/api/test/clock");

describe("the clock", () => {
  it("app_now() and app_clock_timestamp() are the real clock plus the stored offset", async () => {
    const before = Date.now();
    const moved = await advanceClock(t.db, 3600);
    expect(moved.offsetMs).toBe(3_600_000);
    expect(moved.nowMs).toBeGreaterThanOrEqual(before + 3_600_000 - 1000);
    const [r] = await rows<{ skew_s: number; skew_clock_s: number }>(
      t.db,
      sql`SELECT ROUND(EXTRACT(EPOCH FROM app_now() - now()))::int AS skew_s,
                 ROUND(EXTRACT(EPOCH FROM app_clock_timestamp() - clock_timestamp()))::int AS skew_clock_s`,
    );
    expect(r).toEqual({ skew_s: 3600, skew_clock_s: 3600 });
  });

  it("moves add up, and a record stamped after a move carries the moved time (column defaults)", async () => {
    await advanceClock(t.db, 60);
    await advanceClock(t.db, 90);
    expect((await readClock(t.db)).offsetMs).toBe(150_000);
    const user = await createUser(t.db);
    const [r] = await rows<{ age_s: number }>(t.db, sql`SELECT ROUND(EXTRACT(EPOCH FROM app_now() - created_at))::int AS age_s FROM users WHERE id = ${user.id}`);
    expect(r!.age_s).toBe(0);
  });

  it("the bank's own session lookup: fresh, then past presence (5 min), then ended by the idle timeout (30 min) — by moving the clock", async () => {
    const user = await createUser(t.db);
    const session = await createVerifiedSession(t.db, user.id);
    const token = randomBytes(32).toString("base64url");
    await t.db.execute(sql`UPDATE sessions SET token_hash = ${sha256(token)} WHERE id = ${session.id}`);
    expect(await findSession(t.db, token)).toMatchObject({ id: session.id, mfaFresh: true });
    await advanceClock(t.db, 6 * 60);
    expect(await findSession(t.db, token)).toMatchObject({ id: session.id, mfaFresh: false });
    await advanceClock(t.db, 31 * 60);
    expect(await findSession(t.db, token)).toBeNull();
  });
});

describe("only a test run can move it", () => {
  for (const appEnv of ["development", "production"] as const) {
    it(`APP_ENV=${appEnv}: the route answers 404 to GET and POST and moves nothing`, async () => {
      const getDb = async () => t.db;
      expect((await handleClockRequest(get(), { appEnv }, getDb)).status).toBe(404);
      expect((await handleClockRequest(post({ seconds: 60 }), { appEnv }, getDb)).status).toBe(404);
      expect((await readClock(t.db)).offsetMs).toBe(0);
    });

    it(`APP_ENV=${appEnv}: start-up refuses a database whose clock was moved, and names the way out`, async () => {
      await expect(assertClockUnmoved(t.db, appEnv)).resolves.toBeUndefined();
      await advanceClock(t.db, 30);
      const refusal = assertClockUnmoved(t.db, appEnv);
      await expect(refusal).rejects.toBeInstanceOf(ClockMovedError);
      await expect(refusal).rejects.toThrow(/runs 30 s ahead.*refuses to start.*UPDATE test_clock SET offset_ms = 0/);
    });
  }

  it("APP_ENV=test: starts on a moved clock; the route reads and moves it forward only, and refuses bad input changing nothing", async () => {
    const getDb = async () => t.db;
    await advanceClock(t.db, 30);
    await expect(assertClockUnmoved(t.db, "test")).resolves.toBeUndefined();
    const read = await handleClockRequest(get(), { appEnv: "test" }, getDb);
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ offsetMs: 30_000 });
    const moved = await handleClockRequest(post({ seconds: 1.5 }), { appEnv: "test" }, getDb);
    expect(await moved.json()).toMatchObject({ offsetMs: 31_500 });
    for (const bad of [{ seconds: -5 }, { seconds: 0 }, { seconds: "60" }, { seconds: 10 ** 9 }, { seconds: 5, extra: 1 }, [], null]) {
      const res = await handleClockRequest(post(bad), { appEnv: "test" }, getDb);
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect((await res.json()).message).toMatch(/^Send JSON \{ "seconds".*Nothing was moved/);
    }
    const garbage = new Request("http://localhost/api/test/clock", { method: "POST", body: "{not json" });
    expect((await handleClockRequest(garbage, { appEnv: "test" }, getDb)).status).toBe(400);
    expect((await handleClockRequest(new Request("http://localhost/api/test/clock", { method: "DELETE" }), { appEnv: "test" }, getDb)).status).toBe(405);
    expect((await readClock(t.db)).offsetMs).toBe(31_500);
  });
});
