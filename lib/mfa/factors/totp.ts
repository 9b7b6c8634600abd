import "server-only";
import { randomUUID } from "node:crypto";
import { and, eq, sql, type SQL } from "drizzle-orm";
import QRCode from "qrcode";
import { z } from "zod";
import { rows, type DbOrTx } from "@/lib/db";
import { factors } from "@/lib/db/schema";
import { getEnv } from "@/lib/env";
import { openFactorSecret, sealFactorSecret } from "@/lib/mfa/secrets";
import { checkTotp, newTotpSecret, TOTP_PERIOD, totpUri } from "@/lib/mfa/totp";
import type { FactorPlugin } from "./types";
import { MESSAGES } from "@/lib/messages";

/** `demoPhone`: the page offers "Add to the demo phone" (only where the mock provider runs, never in production). */
export type TotpRegisterData = { factorId: string; secret: string; uri: string; qrDataUrl: string; demoPhone: boolean };

const PENDING_MINUTES = 10;

/**
 * Advances the replay guard in one statement: only a step later than the last accepted one
 * moves it, so two requests racing with the same code cannot both succeed. `when`: a condition
 * on the statement it rides in (the sign-in's gate, lib/mfa/lockout.ts `mfaGate`).
 */
function claimStepSql(factorId: string | null, step: number | null, when?: SQL): SQL {
  return sql`UPDATE factors SET last_used_step = ${step}::bigint, last_used_at = app_now()
              WHERE id = ${factorId}::uuid AND status = 'active' AND (last_used_step IS NULL OR last_used_step < ${step}::bigint)${when ? sql` AND ${when}` : sql``}
              RETURNING id`;
}

async function claimStep(db: DbOrTx, factorId: string, step: number): Promise<boolean> {
  return (await rows<{ id: string }>(db, claimStepSql(factorId, step))).length === 1;
}

type TotpRead = { id: string; secretEnc: string | null; lastUsedStep: number | null };

function preread(read: unknown): TotpRead | undefined {
  const r = read as { id: string; secretEnc: string | null; lastUsedStep: number | string | null } | undefined;
  return r && { ...r, lastUsedStep: r.lastUsedStep == null ? null : Number(r.lastUsedStep) };
}

export const totpFactor: FactorPlugin = {
  id: "totp",
  name: "Authenticator app",
  description: "A 6-digit code from an authenticator app such as Google Authenticator, Microsoft Authenticator or 1Password.",
  verifyTitle: "Enter the code from your authenticator app",
  registerTitle: "Set up an authenticator app",
  primary: true,
  messages: {
    malformed: MESSAGES.malformedCode,
    "wrong code": "That code is not right. Check your app and try again.",
    replayed: "That code was already used. Wait for your app to show a new one.",
  },

  activeIn: (snapshot) => snapshot.activeTypes.has("totp"),

  async isActive(db, userId) {
    const [row] = await db
      .select({ id: factors.id })
      .from(factors)
      .where(and(eq(factors.userId, userId), eq(factors.type, "totp"), eq(factors.status, "active")));
    return !!row;
  },

  // One authenticator app at a time: a second one would share nothing but the name.
  async userCanRegister(db, user) {
    return !(await this.isActive(db, user.userId));
  },

  async registerData(db, user): Promise<TotpRegisterData> {
    // Reuse a recent pending registration, so a reload shows the same QR code.
    const [pending] = await rows<{ id: string; secret_enc: string }>(
      db,
      sql`SELECT id, secret_enc FROM factors
           WHERE user_id = ${user.userId} AND type = 'totp' AND status = 'pending'
             AND created_at > app_now() - ${PENDING_MINUTES}::int * interval '1 minute'
           ORDER BY created_at DESC LIMIT 1`,
    );
    let factorId = pending?.id;
    let secret = pending ? openFactorSecret(pending.id, pending.secret_enc) : undefined;
    if (!factorId || !secret) {
      await db.execute(sql`DELETE FROM factors WHERE user_id = ${user.userId} AND type = 'totp' AND status = 'pending'`);
      factorId = randomUUID();
      secret = newTotpSecret();
      await db.insert(factors).values({
        id: factorId,
        userId: user.userId,
        type: "totp",
        label: "Authenticator app",
        status: "pending",
        secretEnc: sealFactorSecret(factorId, secret),
      });
    }
    const uri = totpUri(user.username, secret);
    return { factorId, secret, uri, qrDataUrl: await QRCode.toDataURL(uri, { margin: 1, width: 220 }), demoPhone: getEnv().mockProviderEnabled };
  },

  async register(db, user, input) {
    if (!z.uuid().safeParse(input.factorId).success) {
      return { ok: false, message: "This set-up has expired. Scan the new QR code and try again." };
    }
    const [pending] = await rows<{ id: string; secret_enc: string; now_s: number }>(
      db,
      sql`SELECT id, secret_enc, FLOOR(EXTRACT(EPOCH FROM app_now()))::bigint AS now_s FROM factors
           WHERE id = ${input.factorId} AND user_id = ${user.userId} AND type = 'totp' AND status = 'pending'
             AND created_at > app_now() - ${PENDING_MINUTES}::int * interval '1 minute'`,
    );
    if (!pending) return { ok: false, message: "This set-up has expired. Scan the new QR code and try again." };
    const check = await checkTotp(openFactorSecret(pending.id, pending.secret_enc), input.code, Number(pending.now_s));
    if (!check.ok) {
      return {
        ok: false,
        message:
          check.reason === "malformed"
            ? "Enter the 6 digits your app shows, without spaces."
            : "That code does not match. Check the time on your phone and enter the newest code.",
      };
    }
    const activated = await rows<{ id: string }>(
      db,
      sql`UPDATE factors SET status = 'active', activated_at = app_now(), last_used_step = ${check.step}, last_used_at = app_now()
           WHERE id = ${pending.id} AND status = 'pending' RETURNING id`,
    );
    if (activated.length !== 1) return { ok: false, message: "This set-up was already completed." };
    return { ok: true };
  },

  async verifyData() {
    return {};
  },

  // Read with the challenge, before the row lock: a step used meanwhile is still
  // refused, by claimStep's conditional UPDATE under the lock ("replayed", counted as today).
  verifyRead(userId) {
    return sql`(SELECT jsonb_build_object('id', f.id, 'secretEnc', f.secret_enc, 'lastUsedStep', f.last_used_step)
                  FROM factors f WHERE f.user_id = ${userId} AND f.type = 'totp' AND f.status = 'active' LIMIT 1)`;
  },

  // The HMAC before the sign-in's transaction, with the read's clock: the claim runs behind the
  // row lock in the session's statement, only if the step is still within ±1 of the lock's
  // clock (what `verify` accepts there) and later than the last one used — else nothing is
  // written and `verify` decides under the lock, as it always did; an admitted step that the
  // claim refuses is "replayed", as in `verify`.
  async precheck(user, input, _challenge, read) {
    const factor = preread(read);
    const check = factor?.secretEnc ? await checkTotp(openFactorSecret(factor.id, factor.secretEnc), input.code, user.nowSeconds, factor.lastUsedStep) : null;
    const step = check?.ok ? check.step : null;
    return {
      holds: (now) => sql`(${step}::bigint IS NOT NULL AND ${step}::bigint BETWEEN ${now} / ${TOTP_PERIOD}::int - 1 AND ${now} / ${TOTP_PERIOD}::int + 1)`,
      claim: (admitted) => claimStepSql(factor?.id ?? null, step, admitted),
      refused: "replayed",
    };
  },

  async verify(tx, user, input, _challenge, read) {
    const pre = preread(read);
    const [factor] = pre
      ? [pre]
      : await tx
          .select({ id: factors.id, secretEnc: factors.secretEnc, lastUsedStep: factors.lastUsedStep })
          .from(factors)
          .where(and(eq(factors.userId, user.userId), eq(factors.type, "totp"), eq(factors.status, "active")));
    if (!factor?.secretEnc) return { ok: false, reason: "no active authenticator" };
    const check = await checkTotp(openFactorSecret(factor.id, factor.secretEnc), input.code, user.nowSeconds, factor.lastUsedStep);
    if (!check.ok) return { ok: false, reason: check.reason };
    if (!(await claimStep(tx, factor.id, check.step))) return { ok: false, reason: "replayed" };
    return { ok: true };
  },

  async remove(db, userId, registrationId) {
    await db
      .delete(factors)
      .where(and(eq(factors.userId, userId), eq(factors.type, "totp"), registrationId ? eq(factors.id, registrationId) : undefined));
  },
};
