// `npm run mfa:reset -- --username=NAME [--reason=TEXT]` (Totara's revoke_admin_mfa): removes
// every factor and recovery code of the user, cancels open challenges, ends all sessions,
// mails the user, audits with actor "cli" — the same function as the admin page's Reset MFA.
// Also the way back in for an administrator who lost their own authenticator.
import { cliActorDetails, readCliOptions, UsageError } from "@/lib/admin/cli";

let options;
try {
  options = await readCliOptions(process.argv.slice(2), "mfa:reset");
} catch (err) {
  console.error(`mfa:reset: ${err instanceof UsageError ? err.message : String(err)}`);
  process.exit(2);
}

// The database modules load only after the options are read: a usage error answers at once.
const { findUserByUsername, resetUserMfa } = await import("@/lib/admin/reset");
const { describe, withDb } = await import("./db");

await withDb(async (h) => {
  const user = await findUserByUsername(h.db, options.username);
  if (!user) {
    console.error(`mfa:reset: no user named "${options.username}" in ${describe(h)}. Nothing was changed.`);
    process.exitCode = 1;
    return;
  }
  const reason = options.reason ?? "reset from the command line";
  const result = await resetUserMfa(h.db, user.id, { label: "cli", details: cliActorDetails() }, reason);
  if (!result) {
    console.error(`mfa:reset: user "${options.username}" disappeared meanwhile. Nothing was changed.`);
    process.exitCode = 1;
    return;
  }
  const removed = result.factorsRemoved.length ? result.factorsRemoved.join(", ") : "none set up";
  console.log(
    `mfa:reset: reset MFA of ${user.username} (${user.displayName}) in ${describe(h)}: factors removed: ${removed}; ` +
      `${result.sessionsEnded} session(s) ended; ${result.challengesCanceled} open challenge(s) canceled; the user was mailed.`,
  );
});
