import "server-only";
import os from "node:os";
import readline from "node:readline/promises";
import { parseArgs } from "node:util";

/**
 * Shared by scripts/mfa-reset.ts and scripts/mfa-unlock.ts. Exit codes: 0 done, 1 failed
 * (unknown user, database error), 2 usage (bad option, no username and no terminal to ask on).
 */
export class UsageError extends Error {}

export type CliOptions = { username: string; reason: string | null };

export async function readCliOptions(argv: string[], command: string): Promise<CliOptions> {
  let values: { username?: string; reason?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { username: { type: "string" }, reason: { type: "string" }, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError(`${err instanceof Error ? err.message : String(err)}\nUsage: ${usage(command)}`);
  }
  if (values.help) throw new UsageError(`Usage: ${usage(command)}`);
  let username = values.username?.trim() ?? "";
  if (!username) {
    if (!process.stdin.isTTY) throw new UsageError(`--username=NAME is required (no terminal to ask on).\nUsage: ${usage(command)}`);
    const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
    try {
      username = (await rl.question("Username: ")).trim();
    } finally {
      rl.close();
    }
    if (!username) throw new UsageError("No username given: nothing was changed.");
  }
  const reason = values.reason?.trim() || null;
  if (reason && reason.length > 500) throw new UsageError("--reason has at most 500 characters.");
  return { username, reason };
}

function usage(command: string): string {
  return `npm run ${command} -- --username=NAME [--reason=TEXT]`;
}

/** Who ran it, for the audit event (the actor label itself is "cli"). */
export function cliActorDetails(): Record<string, unknown> {
  let osUser: string | null = null;
  try {
    osUser = os.userInfo().username;
  } catch {}
  return { via: "command line", osUser, host: os.hostname() };
}
