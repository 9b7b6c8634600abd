// Bench users, made before the server starts (a PGlite folder belongs to one process): each
// with two funded accounts, like a real customer's dashboard. One argon2 hash serves them all
// (same parameters as every real hash, so each sign-in still pays one full verify); every TOTP
// user has a secret of its own, sealed to its factor row like the app seals it.
import { randomBytes, randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { hashPassword } from "@/lib/auth/password";
import type { Db } from "@/lib/db/client";
import { sha256 } from "@/lib/crypto";
import { accounts, factors, knownDevices, users } from "@/lib/db/schema";
import { sealFactorSecret } from "@/lib/mfa/secrets";
import { newTotpSecret } from "@/lib/mfa/totp";

export type BenchUser = {
  id: string;
  username: string;
  displayName: string;
  totpSecret: string | null;
  accounts: { id: string; name: string }[];
  /** The device cookie of this customer's own browser, known to the bank (lib/auth/devices.ts). */
  deviceSecret: string;
};

export type BenchUsers = { password: string; passwordOnly: BenchUser[]; totp: BenchUser[] };

const CHUNK = 1000;

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

/**
 * `passwordOnly` users are in the "commercial" group (MFA not required, no factor): their
 * password sign-in goes straight to the dashboard. `totp` users are retail customers with an
 * active authenticator: password → /mfa → code → dashboard.
 */
export async function createBenchUsers(db: Db, counts: { passwordOnly: number; totp: number }): Promise<BenchUsers> {
  const password = `bench-${randomBytes(12).toString("base64url")}`;
  const passwordHash = await hashPassword(password);
  const run = Date.now().toString(36);
  const make = (kind: "pw" | "totp", n: number): BenchUser[] =>
    Array.from({ length: n }, (_, i) => ({
      id: randomUUID(),
      username: `bench-${run}-${kind}-${i}`,
      displayName: `Bench ${kind === "pw" ? "Password" : "Totp"} ${i}`,
      totpSecret: kind === "totp" ? newTotpSecret() : null,
      accounts: [
        { id: randomUUID(), name: "Everyday" },
        { id: randomUUID(), name: "Savings" },
      ],
      deviceSecret: randomBytes(32).toString("base64url"),
    }));
  const passwordOnly = make("pw", counts.passwordOnly);
  const totp = make("totp", counts.totp);
  const all = [...passwordOnly, ...totp];

  await db.transaction(async (tx) => {
    for (const part of chunks(all)) {
      await tx.insert(users).values(
        part.map((u) => ({
          id: u.id,
          username: u.username,
          email: `${u.username}@bench.mfa-bank.example`,
          displayName: u.displayName,
          groupId: u.totpSecret ? "retail" : "commercial",
          passwordHash,
        })),
      );
    }
    const accountRows = all.flatMap((u, i) =>
      u.accounts.map((a, j) => ({
        id: a.id,
        userId: u.id,
        name: a.name,
        number: `BENCH${run.toUpperCase()}${String(i).padStart(6, "0")}${j}`,
        // Far more than the bench moves, and a transfer stays under the €10,000 block limit.
        balanceMinor: 1_000_000_000,
      })),
    );
    for (const part of chunks(accountRows)) await tx.insert(accounts).values(part);
    const factorRows = totp.map((u) => {
      const id = randomUUID();
      return {
        id,
        userId: u.id,
        type: "totp",
        label: "Authenticator app",
        status: "active" as const,
        secretEnc: sealFactorSecret(id, u.totpSecret!),
        activatedAt: sql`now() - interval '30 days'`,
      };
    });
    for (const part of chunks(factorRows)) await tx.insert(factors).values(part);
    // Returning customers: each signs in from a browser the bank has seen before (the common
    // case), so a sign-in's device check is the returning browser's one UPDATE, not a first
    // sign-in's insert, nor a new-device mail.
    const deviceRows = all.map((u) => ({ userId: u.id, deviceHash: sha256(u.deviceSecret), userAgent: "mfa-bank-bench" }));
    for (const part of chunks(deviceRows)) await tx.insert(knownDevices).values(part);
  });
  return { password, passwordOnly, totp };
}
