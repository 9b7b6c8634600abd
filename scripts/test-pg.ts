// `npm run test:pg`: the unit/integration, e2e and fuzz suites against a real PostgreSQL server, in
// a fresh database that is dropped at the end, pass or fail.
//
//   TEST_PG_URL  the server to use (default postgres://postgres@127.0.0.1:5432/postgres)
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import postgres from "postgres";

const serverUrl = process.env.TEST_PG_URL || "postgres://postgres@127.0.0.1:5432/postgres";
const name = `mfa_bank_test_${Date.now()}`;
const dbUrl = new URL(serverUrl);
dbUrl.pathname = `/${name}`;

function log(line: string) {
  console.log(`[test:pg] ${line}`);
}

async function admin<T>(body: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(serverUrl, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    return await body(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

let current: ChildProcess | undefined;

// One pair of secrets for every suite of this run: they share the database, and rows one
// suite seeds (factor secrets, the provider's client secret) are sealed with this key.
const secrets = {
  AUTH_SECRET: process.env.AUTH_SECRET || randomBytes(32).toString("base64"),
  MFA_ENCRYPTION_KEY: process.env.MFA_ENCRYPTION_KEY || randomBytes(32).toString("base64"),
};

function npmRun(script: string): Promise<number> {
  log(`npm run ${script}  (DATABASE_URL=${dbUrl.toString().replace(/\/\/[^@/]*@/, "//…@")})`);
  return new Promise((resolve, reject) => {
    const child = spawn("npm", ["run", script], {
      stdio: "inherit",
      env: { ...process.env, ...secrets, DATABASE_URL: dbUrl.toString() },
    });
    current = child;
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      current = undefined;
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

// Ctrl-C reaches the children too; wait for them, then drop the database.
process.on("SIGINT", () => {});
process.on("SIGTERM", () => current?.kill("SIGTERM"));

const started = Date.now();
let failed: string[] = [];
try {
  await admin((sql) => sql.unsafe(`CREATE DATABASE "${name}"`));
  log(`created database ${name}`);
  for (const script of ["test:unit", "test:e2e", "test:fuzz"]) {
    const code = await npmRun(script);
    if (code !== 0) failed.push(`${script} (exit ${code})`);
  }
} catch (err) {
  console.error(`[test:pg] ${err instanceof Error ? err.message : String(err)}`);
  failed = [...failed, "setup"];
} finally {
  try {
    await admin((sql) => sql.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    log(`dropped database ${name}`);
  } catch (err) {
    console.error(`[test:pg] could not drop ${name}: ${err instanceof Error ? err.message : String(err)}`);
    failed.push("cleanup");
  }
}
const took = `${((Date.now() - started) / 1000).toFixed(1)} s`;
if (failed.length) {
  console.error(`[test:pg] FAILED: ${failed.join(", ")} (${took})`);
  process.exit(1);
}
log(`all passed on PostgreSQL (${took})`);
