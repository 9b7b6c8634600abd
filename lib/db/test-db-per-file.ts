import { afterAll, beforeAll, beforeEach } from "vitest";
import type { Settings } from "./schema";
import { createTestDb, type TestDb } from "./test-db";

type SettingsPatch = Partial<Omit<Settings, "id" | "updatedAt">>;

/**
 * One test database for a test file (see `createTestDb`): opened before its tests, closed after
 * them, and before each test the bank's default settings again, then `settings` when given.
 * The handle it returns reaches the database opened in `beforeAll`, so it is used inside tests
 * and hooks only.
 */
export function testDbPerFile(opts: { maxConnections?: number; settings?: SettingsPatch } = {}): TestDb {
  let t: TestDb | undefined;
  const current = () => {
    if (!t) throw new Error("testDbPerFile: the database opens in beforeAll; use it inside a test or a hook");
    return t;
  };
  beforeAll(async () => {
    t = await createTestDb({ maxConnections: opts.maxConnections ?? 25 });
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(async () => {
    await current().resetSettings();
    if (opts.settings) await current().setSettings(opts.settings);
  });
  return new Proxy({} as TestDb, { get: (_target, key) => Reflect.get(current(), key) });
}
