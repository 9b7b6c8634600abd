import { randomBytes, randomUUID } from "node:crypto";
import { eq, sql, type Logger } from "drizzle-orm";
import postgres from "postgres";
import { hashPassword } from "@/lib/auth/password";
import { sealFactorSecret } from "@/lib/mfa/secrets";
import { newTotpSecret } from "@/lib/mfa/totp";
import { openPglite, openPostgres, rows, type Db, type DbHandle } from "./client";
import type { MfaState, SessionRow } from "@/lib/auth/sessions";
import { accounts, factors, payees, sessions, settings, users, type Settings } from "./schema";
import { seedGroupsAndSettings } from "./seed";

/**
 * Test databases: an in-memory PGlite by default; with DATABASE_URL set, a fresh database
 * created on that PostgreSQL server (dropped again by `close`). Either way migrated and seeded
 * with groups and settings — and nothing else, so every test makes the users it needs.
 */
export type TestDb = DbHandle & {
  /** The database name on PostgreSQL, "memory" on PGlite. */
  name: string;
  createUser: (opts?: TestUserOptions) => Promise<TestUser>;
  createTotpFactor: (userId: string, opts?: { secret?: string; status?: "pending" | "active" }) => Promise<TestFactor>;
  createSession: (userId: string, opts?: { mfaState?: Exclude<MfaState, "reset"> }) => Promise<string>;
  setSettings: (values: Partial<Omit<Settings, "id" | "updatedAt">>) => Promise<void>;
  /** The bank's defaults again (threshold 5, duration 0, backoff 1 s … 5 min). */
  resetSettings: () => Promise<void>;
  /** Raw rows of a statement, whichever driver. */
  query: <T>(q: ReturnType<typeof sql>) => Promise<T[]>;
};

export type TestUserOptions = { username?: string; password?: string; group?: string; role?: "customer" | "admin" };
export type TestUser = { id: string; username: string; email: string; password: string };
export type TestFactor = { id: string; secret: string };

/** `logger` sees every statement drizzle sends (the sign-in statement-count test uses it). */
export async function createTestDb(opts: { maxConnections?: number; logger?: Logger } = {}): Promise<TestDb> {
  const serverUrl = process.env.DATABASE_URL;
  let handle: DbHandle;
  let name = "memory";
  let drop = async () => {};
  if (serverUrl) {
    name = `mfa_test_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
    const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
    try {
      await admin.unsafe(`CREATE DATABASE "${name}"`);
    } finally {
      await admin.end({ timeout: 5 });
    }
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    handle = openPostgres(url.toString(), opts.maxConnections ?? 25, opts.logger);
    drop = async () => {
      const a = postgres(serverUrl, { max: 1, onnotice: () => {} });
      try {
        await a.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await a.end({ timeout: 5 });
      }
    };
  } else {
    handle = openPglite(undefined, opts.logger);
  }
  try {
    await handle.migrate();
    await seedGroupsAndSettings(handle.db);
  } catch (err) {
    await handle.close().catch(() => {});
    await drop().catch(() => {});
    throw err;
  }
  const db = handle.db;
  let closed = false;

  return {
    ...handle,
    name,
    close: async () => {
      if (closed) return;
      closed = true;
      try {
        await handle.close();
      } finally {
        await drop();
      }
    },
    createUser: (o) => createUser(db, o),
    createTotpFactor: (userId, o) => createTotpFactor(db, userId, o),
    createSession: (userId, o) => createSession(db, userId, o),
    setSettings: async (values) => {
      await db.update(settings).set(values).where(eq(settings.id, 1));
    },
    resetSettings: async () => {
      await db
        .update(settings)
        .set({ lockoutThreshold: 5, lockoutDurationMinutes: 0, backoffBaseMs: 1000, backoffMaxMs: 300_000, mfaTokenLifetimeMinutes: 5 })
        .where(eq(settings.id, 1));
    },
    query: (q) => rows(db, q),
  };
}

let userCounter = 0;

export async function createUser(db: Db, o: TestUserOptions = {}): Promise<TestUser> {
  const username = o.username ?? `user${++userCounter}_${randomBytes(3).toString("hex")}`;
  const password = o.password ?? `${username}-password`;
  const email = `${username}@mfa-bank.example`;
  const [u] = await db
    .insert(users)
    .values({
      username,
      email,
      displayName: username,
      role: o.role ?? "customer",
      groupId: o.group ?? "retail",
      passwordHash: await hashPassword(password),
    })
    .returning({ id: users.id });
  return { id: u!.id, username, email, password };
}

/** An active TOTP factor (by default) whose secret is sealed to its row id, as the app does. */
export async function createTotpFactor(
  db: Db,
  userId: string,
  o: { secret?: string; status?: "pending" | "active" } = {},
): Promise<TestFactor> {
  const id = randomUUID();
  const secret = o.secret ?? newTotpSecret();
  const status = o.status ?? "active";
  await db.insert(factors).values({
    id,
    userId,
    type: "totp",
    label: "Authenticator app",
    status,
    secretEnc: sealFactorSecret(id, secret),
    activatedAt: status === "active" ? sql`app_now()` : null,
  });
  return { id, secret };
}

/** An active session row (token hash random), 12 h lifetime. */
export async function createSession(
  db: Db,
  userId: string,
  o: { mfaState?: Exclude<MfaState, "reset"> } = {},
): Promise<string> {
  const [s] = await db
    .insert(sessions)
    .values({
      userId,
      mfaState: o.mfaState ?? "pending",
      tokenHash: randomBytes(32).toString("base64url"),
      activatedAt: sql`app_now()`,
      passwordVerifiedAt: sql`app_now()`,
      expiresAt: sql`app_now() + interval '12 hours'`,
    })
    .returning({ id: sessions.id });
  return s!.id;
}

// ─── Banking and session helpers (step-up and transfer tests) ────────────────────────────

let accountCounter = 0;

/** An account of the user with the given balance (minor units) and a unique number. */
export async function createAccount(
  db: Db,
  userId: string,
  o: { name?: string; balanceMinor?: number } = {},
): Promise<{ id: string; name: string; number: string }> {
  const name = o.name ?? "Everyday";
  const number = `NL${String(10 + (++accountCounter % 90)).padStart(2, "0")}TEST${randomBytes(5).toString("hex").toUpperCase()}`;
  const [a] = await db
    .insert(accounts)
    .values({ userId, name, number, balanceMinor: o.balanceMinor ?? 0 })
    .returning({ id: accounts.id });
  return { id: a!.id, name, number };
}

/** A payee of the user, added `ageHours` ago (0 = just now: a transfer to it needs MFA). */
export async function createPayee(
  db: Db,
  userId: string,
  o: { name?: string; accountNumber?: string; ageHours?: number } = {},
): Promise<{ id: string; name: string; accountNumber: string }> {
  const name = o.name ?? "Jane Doe";
  const accountNumber = o.accountNumber ?? `DE89TEST${randomBytes(6).toString("hex").toUpperCase()}`;
  const [p] = await db
    .insert(payees)
    .values({ userId, name, accountNumber, createdAt: sql`app_now() - ${o.ageHours ?? 0}::float8 * interval '1 hour'` })
    .returning({ id: payees.id });
  return { id: p!.id, name, accountNumber };
}

/**
 * The CurrentSession the request layer would hand to an action for this session row (the same
 * columns as findSession, looked up by id instead of by cookie token).
 */
export async function sessionById(db: Db, sessionId: string): Promise<SessionRow> {
  const [row] = await rows<SessionRow>(
    db,
    sql`SELECT s.id, s.user_id AS "userId", s.mfa_state AS "mfaState",
               u.username, u.display_name AS "displayName", u.email, u.role, u.group_id AS "groupId", u.must_change_password AS "mustChangePassword",
               COALESCE(s.password_verified_at > app_now() - interval '5 minutes', false) AS "passwordFresh",
               COALESCE(s.mfa_verified_at > app_now() - interval '5 minutes', false) AS "mfaFresh"
          FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.id = ${sessionId}`,
  );
  if (!row) throw new Error(`no session ${sessionId}`);
  return row;
}

/** A new verified session of the user, as the CurrentSession an action receives. */
export async function createVerifiedSession(db: Db, userId: string): Promise<SessionRow> {
  const id = await createSession(db, userId, { mfaState: "verified" });
  await db.update(sessions).set({ mfaVerifiedAt: sql`app_now()` }).where(eq(sessions.id, id));
  return sessionById(db, id);
}
