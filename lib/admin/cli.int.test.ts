import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPglite } from "@/lib/db/client";
import { rows, type Db } from "@/lib/db";
import { challenges, recoveryCodes, stepUpGrants } from "@/lib/db/schema";
import { seedGroupsAndSettings } from "@/lib/db/seed";
import { createSession, createTestDb, createTotpFactor, createUser, type TestDb } from "@/lib/db/test-db";

/**
 * The real commands (`npm run mfa:reset` / `mfa:unlock`), run as a separate process against a
 * fresh database: a new database on the PostgreSQL server when DATABASE_URL is set, otherwise
 * a new PGlite folder. One PGlite folder belongs to one process at a time, so on PGlite the
 * test opens the folder only between runs of the command.
 */

type Fixture = {
  kind: string;
  env: NodeJS.ProcessEnv;
  use: <T>(fn: (db: Db) => Promise<T>) => Promise<T>;
  close: () => Promise<void>;
};

async function postgresFixture(serverUrl: string): Promise<Fixture> {
  const t: TestDb = await createTestDb({ maxConnections: 3 });
  const url = new URL(serverUrl);
  url.pathname = `/${t.name}`;
  return { kind: "postgres", env: { ...process.env, DATABASE_URL: url.toString() }, use: (fn) => fn(t.db), close: () => t.close() };
}

async function pgliteFixture(): Promise<Fixture> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mfa-cli-"));
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dir };
  delete env.DATABASE_URL;
  const use = async <T,>(fn: (db: Db) => Promise<T>): Promise<T> => {
    const h = openPglite(dir);
    try {
      return await fn(h.db);
    } finally {
      await h.close();
    }
  };
  const h = openPglite(dir);
  try {
    await h.migrate();
    await seedGroupsAndSettings(h.db);
  } finally {
    await h.close();
  }
  return { kind: "pglite", env, use, close: async () => fs.rmSync(dir, { recursive: true, force: true }) };
}

type Run = { code: number | null; stdout: string; stderr: string };

function run(f: Fixture, script: "mfa:reset" | "mfa:unlock", args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    // stdin is not a terminal here: a missing --username must be an error, not a prompt.
    const child = spawn("npm", ["run", "--silent", script, "--", ...args], { cwd: process.cwd(), env: f.env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

let f: Fixture;

beforeAll(async () => {
  f = process.env.DATABASE_URL ? await postgresFixture(process.env.DATABASE_URL) : await pgliteFixture();
});

afterAll(async () => {
  await f?.close();
});

type AuditRow = { action: string; outcome: string; actor_label: string | null; actor_user_id: string | null; reason: string | null; details: unknown };

async function auditOf(userId: string, action: string): Promise<AuditRow[]> {
  return f.use((db) =>
    rows<AuditRow>(
      db,
      sql`SELECT action, outcome, actor_label, actor_user_id, details->>'reason' AS reason, details
            FROM audit_events WHERE subject_user_id = ${userId} AND action = ${action} ORDER BY id`,
    ),
  );
}

describe("npm run mfa:reset", () => {
  it("resets a user's MFA completely, exits 0 and is audited with actor cli", async () => {
    const setup = await f.use(async (db) => {
      const user = await createUser(db, { group: "retail" });
      await createTotpFactor(db, user.id);
      await db.insert(recoveryCodes).values([{ userId: user.id, codeHash: "a" }, { userId: user.id, codeHash: "b" }]);
      const sessionId = await createSession(db, user.id, { mfaState: "verified" });
      const [challenge] = await db
        .insert(challenges)
        .values({ sessionId, userId: user.id, purpose: "step_up", expiresAt: sql`now() + interval '10 minutes'` })
        .returning({ id: challenges.id });
      await db.insert(stepUpGrants).values({ sessionId, userId: user.id, action: "transfer", inputHash: "x", expiresAt: sql`now() + interval '5 minutes'` });
      return { user, sessionId, challengeId: challenge!.id };
    });

    // Usernames are matched the way sign-in matches them (case-insensitive).
    const r = await run(f, "mfa:reset", [`--username=${setup.user.username.toUpperCase()}`, "--reason=lost phone, identity checked"]);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`reset MFA of ${setup.user.username}`);

    const state = await f.use(async (db) => {
      const [s] = await rows<{ factors: number; codes: number; open: number; canceled: number; live: number; grants: number; mails: number }>(
        db,
        sql`SELECT (SELECT count(*)::int FROM factors WHERE user_id = ${setup.user.id}) AS factors,
                   (SELECT count(*)::int FROM recovery_codes WHERE user_id = ${setup.user.id}) AS codes,
                   (SELECT count(*)::int FROM challenges WHERE user_id = ${setup.user.id} AND status = 'open') AS open,
                   (SELECT count(*)::int FROM challenges WHERE id = ${setup.challengeId} AND status = 'canceled') AS canceled,
                   (SELECT count(*)::int FROM sessions WHERE user_id = ${setup.user.id} AND revoked_at IS NULL) AS live,
                   (SELECT count(*)::int FROM step_up_grants WHERE user_id = ${setup.user.id} AND used_at IS NULL AND voided_at IS NULL) AS grants,
                   (SELECT count(*)::int FROM outbox WHERE user_id = ${setup.user.id} AND subject LIKE '%two-step verification was reset%') AS mails`,
      );
      return s!;
    });
    expect(state).toEqual({ factors: 0, codes: 0, open: 0, canceled: 1, live: 0, grants: 0, mails: 1 });

    const events = await auditOf(setup.user.id, "mfa.reset");
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ outcome: "ok", actor_label: "cli", actor_user_id: null, reason: "lost phone, identity checked" });
    const details = (typeof events[0]!.details === "string" ? JSON.parse(events[0]!.details) : events[0]!.details) as Record<string, unknown>;
    expect(details).toMatchObject({ factorsRemoved: ["totp", "recovery"], sessionsEnded: 1, challengesCanceled: 1, via: "command line" });
  });

  it("an unknown user is a clear error with exit 1, and nothing is written", async () => {
    const before = await f.use((db) => rows<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM audit_events`));
    const r = await run(f, "mfa:reset", ["--username=nobody-by-this-name"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no user named "nobody-by-this-name"');
    expect(r.stderr).toContain("Nothing was changed");
    const after = await f.use((db) => rows<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM audit_events`));
    expect(after[0]!.n).toBe(before[0]!.n);
  });

  it("without --username and without a terminal to ask on, or with an unknown option, it is a usage error (exit 2)", async () => {
    const [missing, unknown] = await Promise.all([run(f, "mfa:reset", []), run(f, "mfa:reset", ["--user=alice"])]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--username=NAME is required");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Usage: npm run mfa:reset -- --username=NAME");
  });
});

describe("npm run mfa:unlock", () => {
  it("unlocks a locked user, exits 0 and is audited with actor cli", async () => {
    const user = await f.use(async (db) => {
      const u = await createUser(db, { group: "commercial" });
      await db.execute(sql`UPDATE users SET locked_at = now(), failed_attempts = 5, mfa_failed_streak = 2, next_attempt_at = now() + interval '1 hour' WHERE id = ${u.id}`);
      return u;
    });
    const r = await run(f, "mfa:unlock", [`--username=${user.username}`, "--reason=called the bank"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`unlocked ${user.username}`);
    const [state] = await f.use((db) =>
      rows<{ locked: boolean; failed: number; waiting: boolean }>(
        db,
        sql`SELECT locked_at IS NOT NULL AS locked, failed_attempts AS failed, next_attempt_at IS NOT NULL AS waiting FROM users WHERE id = ${user.id}`,
      ),
    );
    expect(state).toEqual({ locked: false, failed: 0, waiting: false });
    const events = await auditOf(user.id, "account.unlocked");
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ outcome: "ok", actor_label: "cli", reason: "called the bank" });
  });

  it("an unknown user is a clear error with exit 1", async () => {
    const r = await run(f, "mfa:unlock", ["--username=ghost"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no user named "ghost"');
  });
});
