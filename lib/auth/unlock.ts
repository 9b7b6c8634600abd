import "server-only";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { sha256 } from "@/lib/crypto";
import { rows, type Db, type DbOrTx } from "@/lib/db";
import { queueMail } from "@/lib/mail/outbox";
import { mails } from "@/lib/mail/templates";
import { audit } from "@/lib/audit";
import { lockRecorded, unlockUser } from "@/lib/mfa/lockout";
import { hit } from "@/lib/rate-limit";

/**
 * Self-service unlock (NIST SP 800-63B-4 §3.2.2: a locked subscriber gets back in through a
 * channel they already proved, here the mailbox). Opening the link changes nothing, so a mail
 * scanner that follows links cannot spend it; the "Unlock my account" button does. Unlocking
 * clears the lock and the counters and never signs anyone in: the password and the second step
 * still come after it.
 */

/** Self-unlocks per account per day: an attacker who keeps locking the account cannot turn
 * the link into unlimited password guesses (ASVS 5.0 6.1.1, no lockout DoS either way). */
export const SELF_UNLOCKS_PER_DAY = 3;

export const unlockTokenSchema = z
  .string({ error: "This unlock link is incomplete. Open the link from the e-mail again." })
  .regex(/^[A-Za-z0-9_-]{43}$/, "This unlock link is incomplete. Open the link from the e-mail again.");

export type UnlockLinkState = "valid" | "used" | "expired" | "superseded" | "unknown";

type LinkRow = { id: string; user_id: string; used: boolean; voided: boolean; expired: boolean };

async function findLink(db: DbOrTx, token: string, lock: boolean): Promise<LinkRow | null> {
  const [row] = await rows<LinkRow>(
    db,
    sql`SELECT id, user_id, (used_at IS NOT NULL) AS used, (voided_at IS NOT NULL) AS voided,
               (expires_at <= app_now()) AS expired
          FROM unlock_links WHERE token_hash = ${sha256(token)} ${lock ? sql`FOR UPDATE` : sql``}`,
  );
  return row ?? null;
}

function stateOf(link: LinkRow | null): UnlockLinkState {
  if (!link) return "unknown";
  if (link.used) return "used";
  if (link.voided) return "superseded";
  if (link.expired) return "expired";
  return "valid";
}

/** For the page: what the link is, before anyone presses the button. Reads only. */
export async function unlockLinkState(db: Db, token: string): Promise<UnlockLinkState> {
  if (!unlockTokenSchema.safeParse(token).success) return "unknown";
  return stateOf(await findLink(db, token, false));
}

export type UnlockResult =
  | { kind: "unlocked" }
  | { kind: "not_locked" }
  | { kind: "invalid"; state: Exclude<UnlockLinkState, "valid"> }
  | { kind: "forbidden" }
  | { kind: "throttled" };

export async function unlockWithLink(db: Db, token: string, client: { ip: string | null }): Promise<UnlockResult> {
  return db.transaction(async (tx) => {
    const found = await findLink(tx, token, false);
    if (!found) return { kind: "invalid", state: "unknown" };
    // The user's row first, then the link: the order the lock mail takes them in.
    const [user] = await rows<{ locked: boolean; self_unlock: boolean; email: string; username: string }>(
      tx,
      sql`SELECT ${lockRecorded("u")} AS locked, g.self_unlock, u.email, u.username
            FROM users u JOIN groups g ON g.id = u.group_id
           WHERE u.id = ${found.user_id} FOR UPDATE OF u`,
    );
    const link = await findLink(tx, token, true);
    const state = stateOf(link);
    const base = { action: "account.self_unlock", subjectUserId: found.user_id, actorLabel: "self (unlock link)", ip: client.ip };
    if (!user || state !== "valid") {
      await audit(tx, { ...base, outcome: "refused", details: { reason: `link ${state}` } });
      return { kind: "invalid", state: state === "valid" ? "unknown" : state };
    }
    if (!user.self_unlock) {
      await audit(tx, { ...base, outcome: "refused", details: { reason: "the group does not allow self-unlock" } });
      return { kind: "forbidden" };
    }
    if (!(await hit(tx, `unlock:account:${found.user_id}`, SELF_UNLOCKS_PER_DAY, 24 * 3600))) {
      await audit(tx, { ...base, outcome: "refused", details: { reason: "throttled" } });
      return { kind: "throttled" };
    }
    await tx.execute(sql`UPDATE unlock_links SET used_at = app_now() WHERE id = ${link!.id}`);
    if (!user.locked) {
      await audit(tx, { ...base, outcome: "ok", details: { wasLocked: false } });
      return { kind: "not_locked" };
    }
    await unlockUser(tx, found.user_id, { label: "self (unlock link)", ip: client.ip, reason: "unlock link from the lock mail" });
    await queueMail(tx, {
      userId: found.user_id,
      to: user.email,
      ...mails.unlocked(user.username),
    });
    return { kind: "unlocked" };
  });
}
