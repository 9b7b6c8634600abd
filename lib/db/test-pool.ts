import "server-only";
import { randomBytes, randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { hashPassword } from "@/lib/auth/password";
import { eq } from "drizzle-orm";
import { sealClientSecret } from "@/lib/mfa/provider/config";
import { sealFactorSecret } from "@/lib/mfa/secrets";
import { newTotpSecret } from "@/lib/mfa/totp";
import type { Db } from "./client";
import { accounts, factors, groups, mfaProviders, payees, transfers, users } from "./schema";
import { registerMockClient } from "@/mock-provider/setup";
import { enrolAtMockProvider, MOCK_PREFIX, seedGroupsAndSettings, seedMockProvider } from "./seed";

const DOWN_PREFIX = "down";
const DOWN_GROUP = "e2e_provider_down";
const IND_PREFIX = "ind";
const IND_GROUP = "e2e_independent";
const DIA_PREFIX = "dia";
const DIA_GROUP = "e2e_dialect";
/** A group whose sign-in takes passkeys only, and one that may remember a browser for 7 days. */
const PHISH_GROUP = "e2e_phishing_resistant";
/** The in-app mock as a redirect-based provider ("mockr"), and one the spec serves itself ("indr"). */
export const MOCKR_PREFIX = "mockr";
const MOCKR_GROUP = "e2e_redirect";
export const INDR_PREFIX = "indr";
const INDR_GROUP = "e2e_redirect_independent";
const REMEMBER_GROUP = "e2e_remember";

/**
 * The e2e user pool. With PGlite the running server owns the data folder, so e2e tests cannot
 * create users while it runs: scripts/run-e2e.ts creates a pool of fresh users per kind before
 * the server starts, and each test claims its own (e2e/fixtures.ts `makeUser`). Test-only:
 * nothing in app/ imports this module.
 */
export const POOL_KINDS = [
  "retail_totp",
  "retail_new",
  "commercial",
  "admin",
  "commercial_ext",
  "commercial_ext_quick",
  "provider_down",
  "independent",
  "dialect",
  "phishing_only",
  "remembering",
  "redirect",
  "redirect_independent",
] as const;
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

type Profile = {
  group: string;
  role: "customer" | "admin";
  label: string;
  totp: boolean;
  /** Enrolled at an external provider (push, SMS, e-mail): its credential prefix, and a push timeout. */
  provider?: { prefix: string; pushTimeoutSeconds?: number; inApp?: boolean };
};

const PROFILES: Record<PoolKind, Profile> = {
  retail_totp: { group: "retail", role: "customer", label: "Retail TOTP", totp: true },
  retail_new: { group: "retail", role: "customer", label: "Retail New", totp: false },
  commercial: { group: "commercial", role: "customer", label: "Commercial", totp: false },
  admin: { group: "staff", role: "admin", label: "Staff Admin", totp: true },
  commercial_ext: { group: "commercial_ext", role: "customer", label: "Commercial Ext", totp: false, provider: { prefix: MOCK_PREFIX } },
  // Pushes to these users time out after a few seconds (the mock provider's per-user setting).
  commercial_ext_quick: {
    group: "commercial_ext",
    role: "customer",
    label: "Commercial Quick",
    totp: false,
    provider: { prefix: MOCK_PREFIX, pushTimeoutSeconds: 5 },
  },
  // Their provider ("down") points at a closed port; they also have TOTP.
  provider_down: { group: DOWN_GROUP, role: "customer", label: "Provider Down", totp: true, provider: { prefix: DOWN_PREFIX } },
  // Their provider ("ind") is a small server the spec itself runs (e2e/external-independent-provider.spec.ts).
  independent: { group: IND_GROUP, role: "customer", label: "Independent", totp: true, provider: { prefix: IND_PREFIX } },
  // Their provider ("dia") speaks another dialect, adapted by transforms the spec configures (e2e/external-dialect.spec.ts).
  dialect: { group: DIA_GROUP, role: "customer", label: "Dialect", totp: true, provider: { prefix: DIA_PREFIX } },
  phishing_only: { group: PHISH_GROUP, role: "customer", label: "Phishing Only", totp: true },
  remembering: { group: REMEMBER_GROUP, role: "customer", label: "Remembering", totp: true },
  // Enrolled at the in-app mock, which the bank reaches as a redirect-based provider.
  redirect: { group: MOCKR_GROUP, role: "customer", label: "Redirect", totp: false, provider: { prefix: MOCKR_PREFIX, inApp: true } },
  // Their provider ("indr") is a redirect-based one that e2e/external-redirect.spec.ts serves itself.
  redirect_independent: { group: INDR_GROUP, role: "customer", label: "Redirect Independent", totp: false, provider: { prefix: INDR_PREFIX } },
};

/** The passkey-only and remember-device groups: their settings are what their specs test, so no spec changes a shared group's. */
async function seedProfileGroups(db: Db) {
  const lists = { signInFactors: ["totp", "passkey", "recovery"], stepUpFactors: ["totp", "passkey", "recovery"] };
  await db
    .insert(groups)
    .values([
      { id: PHISH_GROUP, name: "E2E: phishing-resistant only", mfaRequired: true, phishingResistantOnly: true, ...lists },
      { id: REMEMBER_GROUP, name: "E2E: remember a browser", mfaRequired: true, rememberDeviceDays: 7, ...lists },
    ])
    .onConflictDoNothing();
}

/**
 * A provider that is not this app: the e2e spec serves it on E2E_INDEPENDENT_PROVIDER_PORT
 * (scripts/run-e2e.ts picks a free one), naming users by e-mail.
 */
async function seedIndependentProvider(db: Db) {
  const port = process.env.E2E_INDEPENDENT_PROVIDER_PORT;
  await db
    .insert(groups)
    .values({
      id: IND_GROUP,
      name: "E2E: independent provider",
      mfaRequired: true,
      signInFactors: [`${IND_PREFIX}:sms_otp`, "totp", "recovery"],
      stepUpFactors: [`${IND_PREFIX}:sms_otp`, "totp", "recovery"],
    })
    .onConflictDoNothing();
  if (!port) return; // without the spec's server the "ind" factor is simply not offered
  await db.delete(mfaProviders).where(eq(mfaProviders.credentialPrefix, IND_PREFIX));
  const id = randomUUID();
  await db.insert(mfaProviders).values({
    id,
    name: "Independent provider",
    description: "E2E: a second provider, served by the spec itself.",
    credentialPrefix: IND_PREFIX,
    baseUrl: `http://127.0.0.1:${port}/api`,
    clientId: "independent-client",
    clientSecretEnc: sealClientSecret(id, "independent-secret"),
    uniqueNameAttribute: "email",
    capabilities: ["sms_otp"],
    timeoutMs: 1500,
  });
}

/**
 * A provider that speaks another dialect (other paths, 202, txnRef/decision, APPROVED/REJECTED):
 * the spec serves it on E2E_DIALECT_PROVIDER_PORT and adapts the bank to it only through the
 * admin console's resources and transforms. The row starts with none: the contract as documented.
 */
async function seedDialectProvider(db: Db) {
  const port = process.env.E2E_DIALECT_PROVIDER_PORT;
  await db
    .insert(groups)
    .values({
      id: DIA_GROUP,
      name: "E2E: dialect provider",
      mfaRequired: true,
      signInFactors: [`${DIA_PREFIX}:sms_otp`, "totp", "recovery"],
      stepUpFactors: [`${DIA_PREFIX}:sms_otp`, "totp", "recovery"],
    })
    .onConflictDoNothing();
  if (!port) return;
  await db.delete(mfaProviders).where(eq(mfaProviders.credentialPrefix, DIA_PREFIX));
  const id = randomUUID();
  await db.insert(mfaProviders).values({
    id,
    name: "Dialect provider",
    description: "E2E: a provider with its own API shape, served by the spec itself.",
    credentialPrefix: DIA_PREFIX,
    baseUrl: `http://127.0.0.1:${port}/dx`,
    clientId: "dialect-client",
    clientSecretEnc: sealClientSecret(id, "dialect-secret"),
    uniqueNameAttribute: "email",
    capabilities: ["sms_otp"],
    timeoutMs: 1500,
  });
}

/**
 * The in-app mock as a redirect-based provider (its own client at the mock, whose
 * registered JWKS and redirect URI are the in-app bank's defaults), and "indr", a redirect-based
 * provider the spec serves on E2E_REDIRECT_PROVIDER_PORT. Each with a group that offers only it
 * and recovery codes.
 */
async function seedRedirectProviders(db: Db) {
  const lists = (prefix: string) => ({ signInFactors: [`${prefix}:redirect`, "recovery"], stepUpFactors: [`${prefix}:redirect`, "recovery"] });
  await db
    .insert(groups)
    .values([
      { id: MOCKR_GROUP, name: "E2E: redirect-based provider", mfaRequired: true, ...lists(MOCKR_PREFIX) },
      { id: INDR_GROUP, name: "E2E: independent redirect-based provider", mfaRequired: true, ...lists(INDR_PREFIX) },
    ])
    .onConflictDoNothing();
  const [existing] = await db.select({ id: mfaProviders.id }).from(mfaProviders).where(eq(mfaProviders.credentialPrefix, MOCKR_PREFIX));
  if (!existing) {
    const id = randomUUID();
    const clientId = `mfa-bank-redirect-${randomBytes(4).toString("hex")}`;
    const secret = randomBytes(24).toString("base64url");
    await registerMockClient(db, { clientId, secret });
    await db.insert(mfaProviders).values({
      id,
      name: "Mock Verify",
      description: "E2E: the in-app mock provider, reached as a redirect-based provider.",
      credentialPrefix: MOCKR_PREFIX,
      type: "redirect",
      clientId,
      clientSecretEnc: sealClientSecret(id, secret),
      capabilities: [],
    });
  }
  const port = process.env.E2E_REDIRECT_PROVIDER_PORT;
  await db.delete(mfaProviders).where(eq(mfaProviders.credentialPrefix, INDR_PREFIX));
  if (!port) return;
  const id = randomUUID();
  const origin = `http://127.0.0.1:${port}`;
  await db.insert(mfaProviders).values({
    id,
    name: "Independent Verify",
    description: "E2E: a redirect-based provider, served by the spec itself.",
    credentialPrefix: INDR_PREFIX,
    type: "redirect",
    baseUrl: origin,
    redirectIssuer: origin,
    authorizeUrl: `${origin}/authorize`,
    tokenUrl: `${origin}/token`,
    jwksUrl: `${origin}/jwks`,
    clientId: "indr-client",
    clientSecretEnc: sealClientSecret(id, "indr-secret"),
    uniqueNameAttribute: "email",
    capabilities: [],
    timeoutMs: 3000,
  });
}

/**
 * A second provider row whose base URL is a closed port, and a group that offers its SMS codes
 * next to TOTP: e2e proves a provider fault fails closed and kindly.
 */
async function seedDownProvider(db: Db) {
  await db
    .insert(groups)
    .values({
      id: DOWN_GROUP,
      name: "E2E: provider down",
      mfaRequired: true,
      signInFactors: [`${DOWN_PREFIX}:sms_otp`, "totp", "recovery"],
      stepUpFactors: [`${DOWN_PREFIX}:sms_otp`, "totp", "recovery"],
    })
    .onConflictDoNothing();
  const [existing] = await db.select({ id: mfaProviders.id }).from(mfaProviders).where(eq(mfaProviders.credentialPrefix, DOWN_PREFIX));
  if (existing) return;
  const id = randomUUID();
  await db.insert(mfaProviders).values({
    id,
    name: "Unreachable provider",
    description: "E2E: a provider whose base URL is a closed port.",
    credentialPrefix: DOWN_PREFIX,
    baseUrl: "http://127.0.0.1:9/api",
    clientId: "nobody",
    clientSecretEnc: sealClientSecret(id, "nothing"),
    capabilities: ["sms_otp"],
    timeoutMs: 2000,
  });
}

/**
 * Creates `perKind` users of every kind, each with two funded accounts, a payee, one past
 * transfer and (for TOTP kinds) an active factor sealed like the app seals it. `runId` keeps
 * usernames and account numbers unique when a database is shared between runs.
 */
export async function createUserPool(db: Db, opts: { runId: string; perKind: number }): Promise<PoolUser[]> {
  const runId = opts.runId.toLowerCase().replace(/[^a-z0-9]/g, "");
  await seedGroupsAndSettings(db);
  await seedMockProvider(db);
  await seedDownProvider(db);
  await seedIndependentProvider(db);
  await seedDialectProvider(db);
  await seedRedirectProviders(db);
  await seedProfileGroups(db);

  // One password for the run's pool, hashed once with the app's own argon2id parameters: every
  // sign-in still pays a full verify, and creating 60 users of each kind no longer pays for
  // hundreds of hashes first. Usernames stay unique, and nothing a test checks compares one pool
  // user's password with another's.
  const password = `pw-${randomBytes(12).toString("base64url")}`;
  const passwordHash = await hashPassword(password);

  type Draft = Omit<PoolUser, "id" | "accounts" | "payee"> & { index: number; kindIndex: number };
  const drafts: Draft[] = POOL_KINDS.flatMap((kind, kindIndex) =>
    Array.from({ length: opts.perKind }, (_, index) => {
      const n = String(index + 1).padStart(2, "0");
      return {
        kind,
        index,
        kindIndex,
        username: `e2e-${runId}-${kind.replace("_", "-")}-${n}`,
        password,
        displayName: `${PROFILES[kind].label} ${n}`,
        totpSecret: PROFILES[kind].totp ? newTotpSecret() : null,
      };
    }),
  );

  return db.transaction(async (tx) => {
    const inserted = await tx
      .insert(users)
      .values(
        drafts.map((d) => ({
          username: d.username,
          email: `${d.username}@e2e.mfa-bank.example`,
          displayName: d.displayName,
          role: PROFILES[d.kind].role,
          groupId: PROFILES[d.kind].group,
          passwordHash,
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
          createdAt: sql`app_now() - interval '90 days'`,
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
          createdAt: sql`app_now() - interval '10 days'`,
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
            activatedAt: sql`app_now() - interval '30 days'`,
          };
        }),
      );
    }

    for (const d of drafts) {
      const provider = PROFILES[d.kind].provider;
      if (!provider) continue;
      await enrolAtMockProvider(
        tx,
        { id: idOf.get(d.username)!, username: d.username, displayName: d.displayName },
        provider.prefix === MOCK_PREFIX
          ? [
              { capability: "mobile_push", address: `${d.displayName}'s phone` },
              { capability: "sms_otp", address: `+31 6 ${String(10_000_000 + d.kindIndex * 1000 + d.index).slice(-8)}` },
              { capability: "email_otp", address: `${d.username}@e2e.mfa-bank.example` },
            ]
          : [{ capability: "sms_otp", address: "+31 6 00000000" }],
        { pushTimeoutSeconds: provider.pushTimeoutSeconds, prefix: provider.prefix, inApp: provider.inApp },
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
