import "server-only";
import { revokeRememberedDevices } from "@/lib/auth/remembered-devices";
import { and, count, eq, isNull, sql, type SQL } from "drizzle-orm";
import { generateSecret } from "otplib";
import { rows, type DbOrTx } from "@/lib/db";
import { recoveryCodes } from "@/lib/db/schema";
import { sha256 } from "@/lib/crypto";
import { queueMail } from "@/lib/mail/outbox";
import { mails } from "@/lib/mail/templates";
import { audit } from "@/lib/audit";
import { hasPrimaryFactor } from "@/lib/mfa/registry-core";
import type { FactorPlugin } from "./types";

export const RECOVERY_CODE_COUNT = 10;

/** 10 random bytes = 80 bits, base32: 16 characters shown as four groups of four. */
export function newRecoveryCode(): string {
  return generateSecret({ length: 10 }).match(/.{4}/g)!.join("-");
}

/** What a person may type: any case, spaces or dashes, full-width characters. */
export function normaliseRecoveryCode(input: unknown): string | null {
  if (typeof input !== "string" || input.length > 64) return null;
  const code = input.normalize("NFKC").toUpperCase().replace(/[\s-]/g, "");
  return /^[A-Z2-7]{16}$/.test(code) ? code : null;
}

// Codes carry 80 random bits, so a salted fast hash is enough (no dictionary to guess from).
const hashCode = (userId: string, code: string) => sha256(`${userId}:${code}`);

/** Below this many, the page after a recovery-code sign-in suggests a new set. */
export const FEW_RECOVERY_CODES = 3;

/**
 * How many codes are left, when this session was verified with a recovery code (the sign-in's
 * pending session it was rotated from, or a step-up in it); null when it was not. The page the
 * user lands on then says so (app/(bank)/dashboard). One statement, read with the page's data.
 */
export async function recoveryCodesLeftAfterUse(db: DbOrTx, session: { id: string; userId: string }): Promise<number | null> {
  const [r] = await rows<{ remaining: number | null }>(db, sql`SELECT ${recoveryCodesLeftAfterUseSql(session)} AS remaining`);
  return r?.remaining == null ? null : Number(r.remaining);
}

/** The same, as one scalar expression for a page's own read (lib/bank/queries.ts `dashboardOf`). */
export function recoveryCodesLeftAfterUseSql(session: { id: string; userId: string }): SQL {
  return sql`(SELECT (SELECT count(*)::int FROM recovery_codes WHERE user_id = ${session.userId} AND used_at IS NULL)
                FROM sessions s
               WHERE s.id = ${session.id}
                 AND EXISTS (SELECT 1 FROM audit_events a
                              WHERE a.subject_user_id = ${session.userId} AND a.action = 'mfa.recovery_code_used'
                                AND a.session_id IN (s.id, s.rotated_from)))`;
}

export async function remainingRecoveryCodes(db: DbOrTx, userId: string): Promise<number> {
  const [r] = await db
    .select({ n: count() })
    .from(recoveryCodes)
    .where(and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt)));
  return Number(r?.n ?? 0);
}

export const recoveryFactor: FactorPlugin = {
  id: "recovery",
  name: "Recovery code",
  description: "One of the single-use codes you saved when you set up two-step verification.",
  verifyTitle: "Enter one of your recovery codes",
  registerTitle: "Recovery codes",
  primary: false,
  messages: {
    malformed: "That does not look like a recovery code. Check it and try again.",
    "wrong or used recovery code": "That recovery code is not valid or was already used.",
  },

  activeIn: (snapshot) => snapshot.unusedRecoveryCodes,

  async isActive(db, userId) {
    return (await remainingRecoveryCodes(db, userId)) > 0;
  },

  async userCanRegister(db, user) {
    return hasPrimaryFactor(db, user.userId);
  },

  async registerData(db, user) {
    return { remaining: await remainingRecoveryCodes(db, user.userId) };
  },

  /** (Re)generates: every old code is voided, the new ones are returned once, never stored in clear. */
  async register(db, user) {
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
    await db.delete(recoveryCodes).where(eq(recoveryCodes.userId, user.userId));
    await db
      .insert(recoveryCodes)
      .values(codes.map((c) => ({ userId: user.userId, codeHash: hashCode(user.userId, c.replace(/-/g, "")) })));
    return { ok: true, data: { codes } };
  },

  async verifyData() {
    return {};
  },

  async verify(tx, user, input) {
    const code = normaliseRecoveryCode(input.code);
    if (!code) return { ok: false, reason: "malformed" };
    // Single use under any concurrency: only one UPDATE can flip used_at from NULL.
    const used = await rows<{ id: string }>(
      tx,
      sql`UPDATE recovery_codes SET used_at = app_now()
           WHERE user_id = ${user.userId} AND code_hash = ${hashCode(user.userId, code)} AND used_at IS NULL
           RETURNING id`,
    );
    return used.length === 1 ? { ok: true } : { ok: false, reason: "wrong or used recovery code" };
  },

  async afterVerify(tx, user) {
    // A recovery code means the usual factor was not at hand: no browser stays remembered.
    await revokeRememberedDevices(tx, user.userId, "recovery_code_used", { ip: null });
    const remaining = await remainingRecoveryCodes(tx, user.userId);
    await audit(tx, {
      action: "mfa.recovery_code_used",
      outcome: "ok",
      subjectUserId: user.userId,
      sessionId: user.sessionId,
      details: { remaining },
    });
    await queueMail(tx, {
      userId: user.userId,
      to: user.email,
      ...mails.recoveryCodeUsed(user.username, remaining),
    });
  },

  // Codes are one set, not registrations of their own: removing any removes them all.
  async remove(db, userId) {
    await db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
  },
};
