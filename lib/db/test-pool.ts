import "server-only";
import { randomBytes, randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { hashPassword } from "@/lib/auth/password";
import { sealFactorSecret } from "@/lib/mfa/secrets";
import { newTotpSecret } from "@/lib/mfa/totp";
import type { Db } from "./client";
import { accounts, factors, payees, transfers, users } from "./schema";
import { seedGroupsAndSettings } from "./seed";

/**
 * The e2e user pool. With PGlite the running server owns the data folder, so e2e tests cannot
 * create users while it runs: scripts/run-e2e.ts creates a pool of fresh users per kind before
 * the server starts, and each test claims its own (e2e/fixtures.ts `makeUser`). Test-only:
 * nothing in app/ imports this module.
 */
export const POOL_KINDS = ["retail_totp", "retail_new", "commercial", "admin"] as const;
export type PoolKind = (typeof POOL_KINDS)[number];

export type PoolUser = {
  kind: PoolKind;
  id: string;
  username: string;
  password: string;
  displayName: string;
  /** Base32 secret of the user's active TOTP factor; null when the user has none. */
  totpSecret: string | null;
  accounts: { id: string; name: string; number: string; balanceMinor: number }[];
  payee: { id: string; name: string; accountNumber: string };
};

const PROFILES: Record<PoolKind, { group: string; role: "customer" | "admin"; label: string; totp: boolean }> = {
  retail_totp: { group: "retail", role: "customer", label: "Retail TOTP", totp: true },
  retail_new: { group: "retail", role: "customer", label: "Retail New", totp: false },
  commercial: { group: "commercial", role: "customer", label: "Commercial", totp: false },
  admin: { group: "staff", role: "admin", label: "Staff Admin", totp: true },
};

/**
 * Creates `perKind` users of every kind, each with two funded accounts, a payee, one past
 * transfer and (for TOTP kinds) an active factor sealed like the app seals it. `runId` keeps
 * usernames and account numbers unique when a database is shared between runs.
 */
export async function createUserPool(db: Db, opts: { runId: string; perKind: number }): Promise<PoolUser[]> {
  const runId = opts.runId.toLowerCase().replace(/[^a-z0-9]/g, "");
  await seedGroupsAndSettings(db);

  type Draft = Omit<PoolUser, "id" | "accounts" | "payee"> & { index: number; kindIndex: number };
  const drafts: Draft[] = POOL_KINDS.flatMap((kind, kindIndex) =>
    Array.from({ length: opts.perKind }, (_, index) => {
      const n = String(index + 1).padStart(2, "0");
      return {
        kind,
        index,
        kindIndex,
        username: `e2e-${runId}-${kind.replace("_", "-")}-${n}`,
        password: `pw-${randomBytes(12).toString("base64url")}`,
        displayName: `${PROFILES[kind].label} ${n}`,
        totpSecret: PROFILES[kind].totp ? newTotpSecret() : null,
      };
    }),
  );
  // argon2 runs on libuv's thread pool: hashing all at once uses every core.
  const hashes = await Promise.all(drafts.map((d) => hashPassword(d.password)));

  return db.transaction(async (tx) => {
    const inserted = await tx
      .insert(users)
      .values(
        drafts.map((d, i) => ({
          username: d.username,
          email: `${d.username}@e2e.mfa-bank.example`,
          displayName: d.displayName,
          role: PROFILES[d.kind].role,
          groupId: PROFILES[d.kind].group,
          passwordHash: hashes[i]!,
        })),
      )
      .returning({ id: users.id, username: users.username });
    const idOf = new Map(inserted.map((u) => [u.username, u.id]));

    const accountRows = drafts.flatMap((d) => {
      const userId = idOf.get(d.username)!;
      const base = `E2E${runId.toUpperCase()}${d.kindIndex}${String(d.index).padStart(3, "0")}`;
      return [
        { userId, name: "Everyday", number: `NL00${base}1`, balanceMinor: 250_000 + d.index * 100 },
        { userId, name: "Savings", number: `NL00${base}2`, balanceMinor: 1_000_000 + d.index * 100 },
      ];
    });
    const insertedAccounts = await tx
      .insert(accounts)
      .values(accountRows)
      .returning({ id: accounts.id, userId: accounts.userId, name: accounts.name, number: accounts.number, balanceMinor: accounts.balanceMinor });

    const insertedPayees = await tx
      .insert(payees)
      .values(
        drafts.map((d) => ({
          userId: idOf.get(d.username)!,
          name: "City Lettings",
          accountNumber: "NL02BANK0123456789",
          createdAt: sql`now() - interval '90 days'`,
        })),
      )
      .returning({ id: payees.id, userId: payees.userId, name: payees.name, accountNumber: payees.accountNumber });

    const accountsOf = (userId: string) =>
      insertedAccounts.filter((a) => a.userId === userId).sort((a, b) => a.number.localeCompare(b.number));
    await tx.insert(transfers).values(
      drafts.map((d) => {
        const userId = idOf.get(d.username)!;
        const [everyday, savings] = accountsOf(userId);
        return {
          userId,
          fromAccountId: everyday!.id,
          toAccountId: savings!.id,
          amountMinor: 20_000,
          memo: "Monthly saving",
          createdAt: sql`now() - interval '10 days'`,
        };
      }),
    );

    const withFactor = drafts.filter((d) => d.totpSecret);
    if (withFactor.length) {
      await tx.insert(factors).values(
        withFactor.map((d) => {
          const id = randomUUID();
          return {
            id,
            userId: idOf.get(d.username)!,
            type: "totp",
            label: "Authenticator app",
            status: "active" as const,
            secretEnc: sealFactorSecret(id, d.totpSecret!),
            activatedAt: sql`now() - interval '30 days'`,
          };
        }),
      );
    }

    return drafts.map((d) => {
      const id = idOf.get(d.username)!;
      const payee = insertedPayees.find((p) => p.userId === id)!;
      return {
        kind: d.kind,
        id,
        username: d.username,
        password: d.password,
        displayName: d.displayName,
        totpSecret: d.totpSecret,
        accounts: accountsOf(id).map(({ id, name, number, balanceMinor }) => ({ id, name, number, balanceMinor })),
        payee: { id: payee.id, name: payee.name, accountNumber: payee.accountNumber },
      };
    });
  });
}
