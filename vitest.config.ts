import { randomBytes } from "node:crypto";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/**
 * Unit tests (lib/**\/*.test.ts, scripts/**\/*.test.ts, and the mock provider's own in
 * mock-provider/) and integration tests (lib/**\/*.int.test.ts) in one run.
 * Integration tests open an in-memory PGlite per file, or — with DATABASE_URL set — a fresh
 * database created on that PostgreSQL server and dropped afterwards (lib/db/test-db.ts).
 */
const root = path.dirname(fileURLToPath(import.meta.url));
// Nothing is written there while both secrets are set; it only keeps getEnv() off the repo.
const dataDir = path.join(os.tmpdir(), "mfa-bank-vitest");

export default defineConfig({
  root,
  resolve: {
    alias: [
      { find: /^@\//, replacement: `${root}/` },
      // Next's marker package throws outside a react-server bundle; its own empty export is
      // what the server bundle resolves to, so tests get the same thing.
      { find: /^server-only$/, replacement: path.join(root, "node_modules/server-only/empty.js") },
    ],
  },
  test: {
    include: ["lib/**/*.test.ts", "scripts/**/*.test.ts", "mock-provider/**/*.test.ts"],
    environment: "node",
    env: {
      APP_ENV: "test",
      DATA_DIR: dataDir,
      AUTH_SECRET: randomBytes(32).toString("base64"),
      MFA_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    },
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
