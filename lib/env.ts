import "server-only";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";

/**
 * All configuration, validated once. A fresh clone runs with no env file: in a local run the
 * two secrets are generated once into the (gitignored) data folder. With APP_ENV=production
 * the app refuses to start without them — see README "Production".
 */
const envSchema = z.object({
  APP_ENV: z.enum(["development", "test", "production"]).default("development"),
  DATABASE_URL: z.url().optional(),
  DATA_DIR: z.string().min(1).default(".data"),
  /** The public origin (links in mail, the in-app mock provider). Default: localhost on the port `next dev`/`next start` listen on. */
  APP_URL: z.url().optional(),
  /** Set by `next dev` / `next start` to the port they listen on (`--port`). */
  PORT: z.string().optional(),
  AUTH_SECRET: z.string().min(32, "AUTH_SECRET must be at least 32 characters").optional(),
  /** smtp://user:pass@host:port — when set, the outbox is also delivered by SMTP. */
  SMTP_URL: z.url().optional(),
  MAIL_FROM: z.string().min(3).default("MFA Bank <no-reply@mfa-bank.example>"),
  /** The demo mailbox (/mock-provider/mailbox) is off in production unless this is "1". */
  MOCK_MAILBOX_ENABLED: z.enum(["0", "1"]).optional(),
  /** The mock MFA provider (/mock-provider/api, /mock-provider/device): off in production unless "1". */
  MOCK_PROVIDER_ENABLED: z.enum(["0", "1"]).optional(),
  MFA_ENCRYPTION_KEY: z
    .string()
    .regex(/^[A-Za-z0-9+/]{43}=$/, "MFA_ENCRYPTION_KEY must be 32 bytes, base64 (openssl rand -base64 32)")
    .optional(),
  /**
   * How many reverse proxies in front of the app append to X-Forwarded-For (lib/http/client-address.ts).
   * 0: none — the connection's own address is the client's and forwarding headers are ignored.
   */
  TRUSTED_PROXY_HOPS: z
    .string()
    .regex(/^(?:[0-9]|10)$/, "TRUSTED_PROXY_HOPS must be a whole number from 0 to 10 (reverse proxies in front of the app; 0 = none)")
    .default("0")
    .transform(Number),
  /**
   * postgres.js connections per app instance (with DATABASE_URL). A request holds one only for
   * its statements and its short transactions, so a handful serves many concurrent requests.
   */
  DATABASE_POOL_SIZE: z
    .string()
    .regex(/^(?:[1-9]|[1-9][0-9]|100)$/, "DATABASE_POOL_SIZE must be a whole number from 1 to 100 (connections per app instance)")
    .default("10")
    .transform(Number),
});

export type Env = {
  appEnv: "development" | "test" | "production";
  databaseUrl: string | undefined;
  dataDir: string;
  appUrl: string;
  authSecret: string;
  encryptionKey: Buffer;
  secureCookies: boolean;
  smtpUrl: string | undefined;
  mailFrom: string;
  mockMailboxEnabled: boolean;
  mockProviderEnabled: boolean;
  trustedProxyHops: number;
  databasePoolSize: number;
};

let cached: Env | undefined;

export function getEnv(): Env {
  if (cached) return cached;
  const parsed = envSchema.safeParse(process.env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid environment:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.DATA_DIR);
  const appUrl = (e.APP_URL ?? `http://localhost:${e.PORT && /^[0-9]{1,5}$/.test(e.PORT) ? e.PORT : 3000}`).replace(/\/$/, "");
  let authSecret = e.AUTH_SECRET;
  let key = e.MFA_ENCRYPTION_KEY;
  if (!authSecret || !key) {
    if (e.APP_ENV === "production") {
      throw new Error(
        "APP_ENV=production requires AUTH_SECRET and MFA_ENCRYPTION_KEY (openssl rand -base64 32).",
      );
    }
    const local = localSecrets(dataDir);
    authSecret ??= local.AUTH_SECRET;
    key ??= local.MFA_ENCRYPTION_KEY;
  }
  cached = {
    appEnv: e.APP_ENV,
    databaseUrl: e.DATABASE_URL,
    dataDir,
    appUrl,
    authSecret,
    encryptionKey: Buffer.from(key, "base64"),
    // Production always gets Secure + __Host- cookies (a plain-http production URL is a
    // misconfiguration the browser will then refuse, not a silent downgrade).
    secureCookies: e.APP_ENV === "production" || appUrl.startsWith("https://"),
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    mockMailboxEnabled: e.MOCK_MAILBOX_ENABLED ? e.MOCK_MAILBOX_ENABLED === "1" : e.APP_ENV !== "production",
    mockProviderEnabled: e.MOCK_PROVIDER_ENABLED ? e.MOCK_PROVIDER_ENABLED === "1" : e.APP_ENV !== "production",
    trustedProxyHops: e.TRUSTED_PROXY_HOPS,
    databasePoolSize: e.DATABASE_POOL_SIZE,
  };
  return cached;
}

/** Development-only secrets, generated once and kept beside the embedded database. */
function localSecrets(dataDir: string): { AUTH_SECRET: string; MFA_ENCRYPTION_KEY: string } {
  const file = path.join(dataDir, "secrets.json");
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    fs.mkdirSync(dataDir, { recursive: true });
    const secrets = {
      AUTH_SECRET: randomBytes(32).toString("base64"),
      MFA_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    };
    try {
      fs.writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600, flag: "wx" });
      console.warn(
        `[mfa-bank] AUTH_SECRET / MFA_ENCRYPTION_KEY not set: generated development secrets in ${file}. ` +
          "Set both in the environment (and APP_ENV=production) for a real deployment.",
      );
      return secrets;
    } catch {
      // Another process wrote it first: use theirs, so both sign the same cookies.
      return JSON.parse(fs.readFileSync(file, "utf8"));
    }
  }
}
