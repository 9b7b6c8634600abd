import fs from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import { encode } from "next-auth/jwt";
import { open, randomToken, sha256 } from "@/lib/crypto";
import { rows } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { openChallenge } from "@/lib/mfa/challenges";
import { getFactor } from "@/lib/mfa/registry";
import { openFactorSecret } from "@/lib/mfa/secrets";
import type { SuiteHookContext } from "../suite-hooks";
import { CALLERS_FILE, type CallerKind, type FuzzSetup } from "./setup";
import { compareSnapshots, snapshotDatabase } from "./snapshot";

/**
 * Runs while no server holds the database (scripts/run-e2e.ts, E2E_SUITE=fuzz):
 *
 * before — gives the fuzz run its own callers: a database session (and its Auth.js cookie) per
 *   kind of caller, minted directly so that no sign-in happens while the fuzz runs; the rows a
 *   page opens on a GET (the pending session's sign-in challenge, the enrolling user's pending
 *   TOTP registration) are opened now, so the pages reuse them. Then the database snapshot.
 * after  — the snapshot again: any difference is a malformed request that changed something.
 */

/** lib/auth/auth.ts SESSION_COOKIE (that module needs Next's runtime; this runs in plain Node). */
const SESSION_COOKIE = "mfa-bank.session";

/** Which pool user plays which caller, and the session row it gets. */
const CALLERS: Record<Exclude<CallerKind, "anonymous" | "junk-cookie">, { kind: string; index: number; mfaState: string }> = {
  pending: { kind: "retail_totp", index: 0, mfaState: "pending" },
  enrol: { kind: "retail_new", index: 0, mfaState: "enrol" },
  reset: { kind: "commercial", index: 0, mfaState: "reset" },
  customer: { kind: "retail_totp", index: 1, mfaState: "verified" },
  admin: { kind: "admin", index: 0, mfaState: "verified" },
};

const snapshotFile = (runDir: string) => path.join(runDir, "fuzz-db-before.json");

export async function beforeTests({ db, pool, runDir }: SuiteHookContext): Promise<void> {
  const env = getEnv();
  const setup: FuzzSetup = { callers: {}, secrets: [], providerToken: "" };
  for (const [caller, c] of Object.entries(CALLERS) as [keyof typeof CALLERS, (typeof CALLERS)[keyof typeof CALLERS]][]) {
    const user = pool.filter((u) => u.kind === c.kind)[c.index];
    if (!user) throw new Error(`fuzz: the pool has no ${c.kind} #${c.index + 1} (E2E_POOL_PER_KIND too small?)`);
    const token = randomToken();
    // Presence 10 minutes old (lib/auth/sessions.ts PRESENCE_MINUTES = 5): factor changes are
    // refused for presence, so even an input that slipped past a schema could change nothing.
    const [row] = await rows<{ id: string }>(
      db,
      sql`INSERT INTO sessions (token_hash, user_id, mfa_state, mfa_verified_at, password_verified_at, activated_at, expires_at, ip, user_agent)
          VALUES (${sha256(token)}, ${user.id}, ${c.mfaState},
                  ${c.mfaState === "verified" ? sql`now() - interval '10 minutes'` : null}, now() - interval '10 minutes',
                  now(), now() + interval '12 hours', '127.0.0.1', 'fuzz')
          RETURNING id`,
    );
    const sessionId = row!.id;
    // Both outlive the run, however slow the machine: a 10-minute challenge or pending
    // registration that ran out mid-run would be opened again by a page GET, and read as a change.
    if (caller === "pending") {
      const c = await openChallenge(db, { sessionId, userId: user.id, purpose: "sign_in", context: { callbackUrl: "/dashboard" } });
      await db.execute(sql`UPDATE challenges SET expires_at = now() + interval '3 hours' WHERE id = ${c.id}`);
    }
    if (caller === "enrol") {
      const [u] = await rows<{ email: string; group_id: string }>(db, sql`SELECT email, group_id FROM users WHERE id = ${user.id}`);
      await getFactor("totp")!.registerData(db, { userId: user.id, username: user.username, email: u!.email, groupId: u!.group_id, sessionId });
      await db.execute(sql`UPDATE factors SET created_at = now() + interval '3 hours' WHERE user_id = ${user.id} AND status = 'pending'`);
    }
    const cookie = await encode({ token: { sid: token }, secret: env.authSecret, salt: SESSION_COOKIE });
    setup.callers[caller] = { cookie, userId: user.id, username: user.username, sessionToken: token };
    setup.secrets.push(token);
  }

  // A valid bearer token for the mock provider's API, so malformed bodies reach its parsers.
  const [client] = await rows<{ client_id: string }>(db, sql`SELECT client_id FROM mock_provider_clients ORDER BY client_id LIMIT 1`);
  if (!client) throw new Error("fuzz: no mock provider client (seed)");
  setup.providerToken = randomToken();
  await db.execute(
    sql`INSERT INTO mock_provider_tokens (token_hash, client_id, expires_at) VALUES (${sha256(setup.providerToken)}, ${client.client_id}, now() + interval '1 hour')`,
  );

  // What must never appear in a response body.
  const providers = await rows<{ id: string; client_secret_enc: string }>(db, sql`SELECT id, client_secret_enc FROM mfa_providers`);
  // Active factors only: the enrolling caller's pending secret is rightly shown on its own enrol page.
  const active = await rows<{ id: string; secret_enc: string }>(db, sql`SELECT id, secret_enc FROM factors WHERE status = 'active' AND secret_enc IS NOT NULL`);
  let sealed: string[];
  try {
    sealed = [
      ...providers.map((p) => open(p.client_secret_enc, env.encryptionKey, `provider:${p.id}`)),
      ...active.map((f) => openFactorSecret(f.id, f.secret_enc)),
    ];
  } catch {
    throw new Error("fuzz: the database holds secrets sealed with another MFA_ENCRYPTION_KEY (an earlier run): give the fuzz run a fresh database");
  }
  setup.secrets.push(
    env.authSecret,
    env.encryptionKey.toString("base64"),
    ...sealed,
    ...pool.flatMap((u) => [u.password, ...(u.totpSecret ? [u.totpSecret] : [])]),
  );
  fs.writeFileSync(path.join(runDir, CALLERS_FILE), JSON.stringify(setup), { mode: 0o600 });
  fs.writeFileSync(snapshotFile(runDir), JSON.stringify(await snapshotDatabase(db)), { mode: 0o600 });
}

export async function afterTests({ db, runDir }: SuiteHookContext): Promise<void> {
  const before = JSON.parse(fs.readFileSync(snapshotFile(runDir), "utf8")) as Awaited<ReturnType<typeof snapshotDatabase>>;
  const after = await snapshotDatabase(db);
  const differences = compareSnapshots(before, after);
  if (differences.length) {
    throw new Error(`fuzz: the database changed while only malformed requests were sent:\n  ${differences.join("\n  ")}`);
  }
  console.log(`[e2e] fuzz: database unchanged (${Object.keys(after.tables).length} tables compared; not compared: ${Object.keys(after.skipped).join(", ")})`);
}
