import "server-only";
import { randomBytes, randomUUID } from "node:crypto";
import { inArray, sql } from "drizzle-orm";
import { hashPassword, verifyPassword } from "@/lib/auth/password";
import { sealClientSecret } from "@/lib/mfa/provider/config";
import { CAPABILITIES } from "@/lib/mfa/provider/contract";
import { sealFactorSecret } from "@/lib/mfa/secrets";
import type { Db, DbOrTx } from "./client";
import { enrolMockUser, ensureMockSigningKey, registerMockClient, type MockTarget } from "@/mock-provider/setup";
import {
  accounts,
  factors,
  groups,
  mfaProviders,
  payees,
  settings,
  transfers,
  users,
} from "./schema";

/**
 * Demo data, idempotent: groups and settings are upserted, a user that already exists is left
 * as it is (its password, factors and money are never overwritten by a re-seed).
 */
export const DEMO_USERS = [
  {
    username: "alice",
    password: "alice-demo-password",
    displayName: "Alice Retail",
    group: "retail",
    role: "customer" as const,
    // Printed in the README: add it to an authenticator app, or `oathtool --totp -b <secret>`.
    totpSecret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
    accounts: [
      ["Everyday", 245_000],
      ["Savings", 1_250_000],
    ],
  },
  {
    username: "bob",
    password: "bob-demo-password",
    displayName: "Bob Retail",
    group: "retail",
    role: "customer" as const,
    totpSecret: null,
    accounts: [
      ["Everyday", 98_050],
      ["Savings", 500_000],
      ["Holiday", 42_000],
    ],
  },
  {
    username: "carol",
    password: "carol-demo-password",
    displayName: "Carol Commercial",
    // Enrolled at the mock provider (push, SMS, e-mail), and her group requires MFA.
    group: "commercial_ext",
    role: "customer" as const,
    totpSecret: null,
    accounts: [
      ["Operating", 4_800_000],
      ["Payroll", 2_200_000],
    ],
  },
  {
    username: "admin",
    password: "admin-demo-password",
    displayName: "Ada Admin",
    group: "staff",
    role: "admin" as const,
    totpSecret: "KRSXG5CTMVRXEZLUKN2XAZLSKNSWG4TF",
    accounts: [
      ["Staff current", 310_000],
      ["Staff savings", 90_000],
    ],
  },
] as const;

/** The mock provider's factors (docs/PROVIDER-CONTRACT.md): credentialPrefix "mock". */
export const MOCK_PREFIX = "mock";
export const EXTERNAL_MOCK_FACTORS = ["mock:mobile_push", "mock:sms_otp", "mock:voice_otp", "mock:email_otp"];

const GROUPS = [
  { id: "retail", name: "Retail customers", mfaRequired: true },
  { id: "commercial", name: "Commercial customers", mfaRequired: false },
  { id: "staff", name: "Bank staff", mfaRequired: true, selfUnlock: false },
  {
    id: "commercial_ext",
    name: "Commercial customers (provider MFA)",
    mfaRequired: true,
    // "mock:redirect" is offered only while the mock provider's type is redirect (admin console, README).
    signInFactors: [`${MOCK_PREFIX}:redirect`, ...EXTERNAL_MOCK_FACTORS, "totp", "recovery"],
    stepUpFactors: [`${MOCK_PREFIX}:redirect`, ...EXTERNAL_MOCK_FACTORS, "totp", "recovery"],
  },
];

export async function seedGroupsAndSettings(db: Db): Promise<void> {
  for (const g of GROUPS) {
    await db.insert(groups).values(g).onConflictDoNothing();
  }
  await db.insert(settings).values({ id: 1 }).onConflictDoNothing();
}

/**
 * The in-app mock provider: its configuration row on the bank's side (base URL null = this
 * app's own /mock-provider/api) and its OAuth client on the provider's side, sharing a secret
 * generated here. Idempotent.
 */
export async function seedMockProvider(db: Db): Promise<void> {
  // Its first result-signing key (redirect type): serving its JWKS then never writes.
  await ensureMockSigningKey(db);
  const [existing] = await db.select({ id: mfaProviders.id }).from(mfaProviders).where(sql`${mfaProviders.credentialPrefix} = ${MOCK_PREFIX}`);
  if (existing) return;
  const id = randomUUID();
  const clientId = `mfa-bank-${randomBytes(4).toString("hex")}`;
  const secret = randomBytes(24).toString("base64url");
  await db.transaction(async (tx) => {
    await registerMockClient(tx, { clientId, secret });
    await tx.insert(mfaProviders).values({
      id,
      name: "Mock provider",
      description: "The in-app mock external MFA provider (push with number matching, SMS, voice and e-mail codes).",
      credentialPrefix: MOCK_PREFIX,
      baseUrl: null,
      clientId,
      clientSecretEnc: sealClientSecret(id, secret),
      uniqueNameAttribute: "username",
      capabilities: [...CAPABILITIES],
    });
  });
}

/** Enrols a user at the mock provider and marks the matching factors active on the bank's side. */
export async function enrolAtMockProvider(
  db: DbOrTx,
  user: { id: string; username: string; displayName: string },
  targets: MockTarget[],
  opts: { pushTimeoutSeconds?: number; prefix?: string; inApp?: boolean } = {},
): Promise<void> {
  const prefix = opts.prefix ?? MOCK_PREFIX;
  const inApp = opts.inApp ?? prefix === MOCK_PREFIX;
  await db.transaction(async (tx) => {
    // Only the in-app mock keeps users here; another provider has its own records.
    if (inApp) {
      await enrolMockUser(tx, { uniqueName: user.username, displayName: user.displayName, pushTimeoutSeconds: opts.pushTimeoutSeconds }, targets);
    }
    const types = [...new Set(targets.map((t) => `${prefix}:${t.capability}`))];
    await tx
      .insert(factors)
      .values(types.map((type) => ({ userId: user.id, type, label: "Mock provider", status: "active" as const, activatedAt: sql`app_now()` })))
      .onConflictDoNothing();
  });
}

export async function seed(db: Db, log: (line: string) => void = console.log): Promise<void> {
  await seedGroupsAndSettings(db);
  await seedMockProvider(db);
  let n = 0;
  for (const [i, u] of DEMO_USERS.entries()) {
    const passwordHash = await hashPassword(u.password);
    await db.transaction(async (tx) => {
      const [user] = await tx
        .insert(users)
        .values({
          username: u.username,
          email: `${u.username}@mfa-bank.example`,
          displayName: u.displayName,
          role: u.role,
          groupId: u.group,
          passwordHash,
        })
        .onConflictDoNothing()
        .returning({ id: users.id });
      if (!user) return; // already seeded
      n++;
      const ids: string[] = [];
      for (const [j, [name, balance]] of u.accounts.entries()) {
        const [a] = await tx
          .insert(accounts)
          .values({ userId: user.id, name, number: `NL${String(10 + i)}MFAB00000${i}${j}${j}`, balanceMinor: balance })
          .returning({ id: accounts.id });
        ids.push(a!.id);
      }
      const [landlord] = await tx
        .insert(payees)
        .values([
          { userId: user.id, name: "City Lettings", accountNumber: "NL02BANK0123456789", createdAt: sql`app_now() - interval '90 days'` },
          { userId: user.id, name: "Green Energy Co", accountNumber: "NL03BANK0987654321", createdAt: sql`app_now() - interval '60 days'` },
          { userId: user.id, name: "Sam Friend", accountNumber: "NL04BANK0555666777", createdAt: sql`app_now() - interval '30 days'` },
        ])
        .returning({ id: payees.id });
      // Past transfers: the seeded balances are after these, so the ledger reads naturally.
      await tx.insert(transfers).values([
        { userId: user.id, fromAccountId: ids[0]!, payeeId: landlord!.id, amountMinor: 95_000, memo: "Rent", createdAt: sql`app_now() - interval '20 days'` },
        { userId: user.id, fromAccountId: ids[0]!, toAccountId: ids[1]!, amountMinor: 20_000, memo: "Monthly saving", createdAt: sql`app_now() - interval '10 days'` },
        { userId: user.id, fromAccountId: ids[0]!, payeeId: landlord!.id, amountMinor: 95_000, memo: "Rent", createdAt: sql`app_now() - interval '2 days'` },
      ]);
      if (u.group === "commercial_ext") {
        await enrolAtMockProvider(tx, { id: user.id, username: u.username, displayName: u.displayName }, [
          { capability: "mobile_push", address: "Carol's phone (Pixel 8)" },
          { capability: "sms_otp", address: "+31 6 1234 5678" },
          { capability: "email_otp", address: `${u.username}@mfa-bank.example` },
        ]);
      }
      if (u.totpSecret) {
        const id = randomUUID();
        await tx.insert(factors).values({
          id,
          userId: user.id,
          type: "totp",
          label: "Authenticator app",
          status: "active",
          secretEnc: sealFactorSecret(id, u.totpSecret),
          activatedAt: sql`app_now()`,
        });
      }
    });
  }
  log(n ? `[seed] created ${n} demo user(s).` : "[seed] demo data already present.");
  // A password the demo changed is not printed: the log would be wrong, and it is no longer public.
  const current = await db.select({ username: users.username, passwordHash: users.passwordHash }).from(users).where(inArray(users.username, DEMO_USERS.map((u) => u.username)));
  let changed = 0;
  for (const u of DEMO_USERS) {
    const row = current.find((r) => r.username === u.username);
    const seeded = row ? await verifyPassword(row.passwordHash, u.password) : false;
    if (!seeded) changed++;
    log(
      `[seed]   ${u.username.padEnd(6)} / ${seeded ? u.password : "(password changed in this demo: not shown)"}` +
        (u.totpSecret ? `   TOTP secret ${u.totpSecret}` : "") +
        (u.group === "commercial_ext" ? "   push/SMS/e-mail on the demo phone, /mock-provider/device?user=carol" : ""),
    );
  }
  log(`[seed] ${changed ? "Some demo data has changed. " : ""}To put the demo data back (users, passwords, factors, money, mail): stop the server, then npm run demo:reset.`);
}
