// `npm run mfa:unlock -- --username=NAME [--reason=TEXT]`: clears the lock, the failed-attempt
// counter and the backoff wait of a user (lib/mfa/lockout.ts unlockUser), audited with actor "cli".
import { cliActorDetails, readCliOptions, UsageError } from "@/lib/admin/cli";

let options;
try {
  options = await readCliOptions(process.argv.slice(2), "mfa:unlock");
} catch (err) {
  console.error(`mfa:unlock: ${err instanceof UsageError ? err.message : String(err)}`);
  process.exit(2);
}

// The database modules load only after the options are read: a usage error answers at once.
const { findUserByUsername } = await import("@/lib/admin/reset");
const { unlockUser } = await import("@/lib/mfa/lockout");
const { describe, withDb } = await import("./db");

await withDb(async (h) => {
  const user = await findUserByUsername(h.db, options.username);
  if (!user) {
    console.error(`mfa:unlock: no user named "${options.username}" in ${describe(h)}. Nothing was changed.`);
    process.exitCode = 1;
    return;
  }
  const details = cliActorDetails();
  const ok = await unlockUser(h.db, user.id, { label: "cli", reason: options.reason ?? `unlocked from the command line by ${details.osUser ?? "?"}` });
  if (!ok) {
    console.error(`mfa:unlock: user "${options.username}" disappeared meanwhile. Nothing was changed.`);
    process.exitCode = 1;
    return;
  }
  console.log(`mfa:unlock: unlocked ${user.username} (${user.displayName}) in ${describe(h)}.`);
});
