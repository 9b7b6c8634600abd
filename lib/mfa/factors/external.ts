import "server-only";
import { and, eq, sql } from "drizzle-orm";
import { rows, type DbOrTx } from "@/lib/db";
import { factors } from "@/lib/db/schema";
import { getSettings } from "@/lib/settings";
import { ChallengeGone } from "@/lib/mfa/challenges";
import * as provider from "@/lib/mfa/provider/client";
import { ProviderFault, type TxnRef } from "@/lib/mfa/provider/client";
import { findProvider, endpointOf } from "@/lib/mfa/provider/config";
import { CAPABILITIES, type Capability, type TransactionResponse } from "@/lib/mfa/provider/contract";
import { isRedirectFactorId, redirectFactor } from "./external-redirect";
import { enrolledAtProvider } from "./at-provider";
import type { FactorPlugin, FactorUser, Preparation } from "./types";
import { MESSAGES } from "@/lib/messages";

/**
 * External factors: `credentialPrefix:capability` (IBM Verify), served by an MFA provider over
 * HTTP (lib/mfa/provider, docs/PROVIDER-CONTRACT.md). A local `factors` row of that type marks
 * the user as enrolled at the provider; the delivery targets live at the provider.
 *
 * Every HTTP call happens in `prepare`, before and outside the lockout transaction. The
 * provider's transaction id is kept on the challenge row (context.ext) — never taken from the
 * client — so a SUCCESS serves only the challenge (purpose, session, user) that initiated it,
 * and only once: the counted `verify` removes it from the challenge under the row lock.
 */
const ID = /^([a-z0-9_-]{1,32}):(mobile_push|sms_otp|voice_otp|email_otp|redirect)$/;

export function isExternalFactorId(id: unknown): id is string {
  return typeof id === "string" && ID.test(id);
}

const NAMES: Record<Capability, { name: string; description: string; verifyTitle: string; via: string }> = {
  mobile_push: {
    name: "Push notification",
    description: "Approve a request on your phone by tapping the number shown here.",
    verifyTitle: "Approve the request on your phone",
    via: "Push to",
  },
  sms_otp: { name: "Text message", description: "A one-time code sent by text message.", verifyTitle: "Get a code by text message", via: "SMS to" },
  voice_otp: { name: "Voice call", description: "A one-time code read out in a phone call.", verifyTitle: "Get a code by phone call", via: "Call to" },
  email_otp: { name: "E-mail code", description: "A one-time code sent to your e-mail address.", verifyTitle: "Get a code by e-mail", via: "E-mail to" },
};

/** What the challenge row remembers about the provider transaction in flight. */
type Ext = { factor: string; txn: string; expiresAt: string; number?: number; target: string };

/** What the Verify component gets back from each step. */
export type ExternalStepData =
  | { phase: "select"; targets: { id: string; label: string }[] }
  | { phase: "push"; number: number; expiresAt: string; target: string }
  | { phase: "code"; expiresAt: string; target: string };

const cache = new Map<string, FactorPlugin>();

export function externalFactor(id: string): FactorPlugin {
  // A redirect-based provider's one factor: the provider's own page.
  if (isRedirectFactorId(id)) return redirectFactor(id);
  const hit = cache.get(id);
  if (hit) return hit;
  const [, prefix, cap] = ID.exec(id)!;
  const capability = cap as Capability;
  const names = NAMES[capability];

  const fault = (err: unknown): Preparation => {
    if (!(err instanceof ProviderFault)) throw err;
    console.error(`[mfa] provider ${prefix}: ${err.message}`);
    return {
      kind: "unavailable",
      // A transform fault names its reason (a missing key, the time limit): the administrator's clue.
      fault: `${err.resource}: ${err.kind}${err.httpStatus ? ` (HTTP ${err.httpStatus})` : ""}${err.kind === "transform" ? `: ${err.detail.slice(0, 300)}` : ""}`,
      message:
        err.kind === "rate_limited"
          ? "Too many requests were sent to your device. Wait a minute, or choose another method."
          : undefined,
    };
  };

  const uniqueNameOf = (attr: "username" | "email", user: FactorUser) => (attr === "email" ? user.email : user.username);

  async function setExt(db: DbOrTx, challengeId: string, ext: Ext | null) {
    await db.execute(
      ext
        ? sql`UPDATE challenges SET context = context || jsonb_build_object('ext', ${JSON.stringify(ext)}::jsonb)
               WHERE id = ${challengeId} AND status = 'open'`
        : sql`UPDATE challenges SET context = context - 'ext' WHERE id = ${challengeId} AND status = 'open'`,
    );
  }

  const plugin: FactorPlugin = {
    id,
    name: names.name,
    description: names.description,
    verifyTitle: names.verifyTitle,
    registerTitle: names.name,
    primary: true,
    messages: {
      malformed: MESSAGES.malformedCode,
      "wrong provider code": "That code is not right. Send a new code and try again.",
      "push denied": "The request was denied on your device. You can send a new one.",
    },

    // Without an active row it is not set up; with one, the provider's configuration decides.
    activeIn: (snapshot) => (snapshot.activeTypes.has(id) ? undefined : false),

    async isActive(db, userId) {
      const [row] = await db
        .select({ id: factors.id })
        .from(factors)
        .where(and(eq(factors.userId, userId), eq(factors.type, id), eq(factors.status, "active")));
      if (!row) return false;
      const p = await findProvider(db, prefix!);
      // A redirect-based provider serves its customers on its own page only (`prefix:redirect`).
      return !!p && p.type === "standard" && p.capabilities.includes(capability);
    },

    async allowedIn(db, workflow) {
      const s = await getSettings(db);
      return (workflow === "step_up" ? s.stepUpTargetTypes : s.signInTargetTypes).includes(capability);
    },

    ...enrolledAtProvider,

    /** Targets are listed by the Verify component's first step, so rendering a page calls no provider. */
    async verifyData() {
      return {};
    },

    async prepare(db, user, challenge, input): Promise<Preparation> {
      const p = await findProvider(db, prefix!);
      if (!p || p.type !== "standard" || !p.capabilities.includes(capability)) return { kind: "unavailable", fault: "provider disabled, redirect-based, or capability removed" };
      const endpoint = endpointOf(p);
      const uniqueName = uniqueNameOf(p.uniqueNameAttribute, user);
      const ext = (challenge.context.ext ?? null) as Ext | null;
      const mine = ext && ext.factor === id ? ext : null;
      const txnOf = (e: Ext): TxnRef => ({ transactionId: e.txn, uniqueName, capability });
      const toVerify = (status: string, txn = ""): Preparation => ({ kind: "verify", input: { challengeId: challenge.id, txn, status } });
      const checkTxn = (t: TransactionResponse) => {
        // The provider must describe the transaction we started, for this user.
        if (t.transactionId !== mine!.txn || t.uniqueName !== uniqueName || t.capability !== capability) {
          throw new ProviderFault("malformed", "result", "the transaction does not match the one started");
        }
      };
      try {
        switch (input.step) {
          case "targets": {
            const r = await provider.enrollments(endpoint, uniqueName);
            if (r.uniqueName !== uniqueName) throw new ProviderFault("malformed", "enrollments", "another user's enrollments");
            const targets = r.enrollments
              .filter((e) => e.capability === capability)
              .map((e) => ({ id: e.id, label: `${names.via} ${e.maskedTarget}` }));
            if (mine) await setExt(db, challenge.id, null);
            return { kind: "continue", data: { phase: "select", targets } satisfies ExternalStepData };
          }
          case "send": {
            const target = typeof input.target === "string" ? input.target.slice(0, 128) : "";
            const label = typeof input.targetLabel === "string" ? input.targetLabel.slice(0, 160) : "";
            const { pushTimeoutSeconds } = await getSettings(db);
            if (mine) await provider.cancel(endpoint, txnOf(mine)).catch(() => undefined); // one request in flight
            const r = await provider.initiate(endpoint, {
              uniqueName,
              capability,
              enrollmentId: target,
              ...(capability === "mobile_push" ? { expiresInSeconds: pushTimeoutSeconds } : {}),
            });
            if (r.status !== "PENDING") throw new ProviderFault("malformed", "initiate", `a new transaction is ${r.status}`);
            if (capability === "mobile_push" && r.numberToMatch === undefined) {
              throw new ProviderFault("malformed", "initiate", "a push without a number to match");
            }
            const next: Ext = { factor: id, txn: r.transactionId, expiresAt: r.expiresAt, number: r.numberToMatch, target: label };
            await setExt(db, challenge.id, next);
            return { kind: "continue", data: stepOf(next) };
          }
          case "poll": {
            if (!mine) return { kind: "continue", data: null, message: "That request has ended. Send a new one." };
            const r = await provider.result(endpoint, txnOf(mine));
            checkTxn(r);
            return settle(r, mine);
          }
          case "code": {
            if (!mine || capability === "mobile_push") return { kind: "continue", data: null, message: "Send a code first." };
            const code = typeof input.code === "string" ? input.code.normalize("NFKC").replace(/\s/g, "") : "";
            // A malformed code is a failed attempt, like any other factor's; the provider is not asked.
            if (!/^\d{6}$/.test(code)) return toVerify("MALFORMED", mine.txn);
            const r = await provider.validate(endpoint, txnOf(mine), code);
            checkTxn(r);
            return settle(r, mine);
          }
          case "cancel": {
            if (mine) {
              await setExt(db, challenge.id, null);
              await provider.cancel(endpoint, txnOf(mine));
            }
            return { kind: "continue", data: null, message: "Canceled." };
          }
          default:
            return toVerify("MALFORMED");
        }
      } catch (err) {
        return fault(err);
      }

      async function settle(r: TransactionResponse, current: Ext): Promise<Preparation> {
        switch (r.status) {
          case "PENDING":
            return { kind: "continue", data: stepOf(current) };
          case "SUCCESS":
          case "FAILED":
            return toVerify(r.status, current.txn);
          case "TIMEOUT":
            await setExt(db, challenge.id, null);
            return {
              kind: "continue",
              data: null,
              message: capability === "mobile_push" ? "The request timed out. Send a new one." : "The code has expired. Send a new one.",
            };
          case "CANCELED":
            await setExt(db, challenge.id, null);
            return { kind: "continue", data: null, message: "The request was canceled. Send a new one." };
        }
      }
    },

    /** Under the row lock: bookkeeping only. The input was made by `prepare`, not by the client. */
    async verify(tx, user, input) {
      if (input.status === "MALFORMED") {
        if (input.challengeId && input.txn) await clearExt(tx, user, input.challengeId, input.txn);
        return { ok: false, reason: "malformed" };
      }
      if (!input.challengeId || !input.txn) return { ok: false, reason: "malformed" };
      // Takes the transaction off the challenge: a second use of the same SUCCESS finds nothing.
      const taken = await clearExt(tx, user, input.challengeId, input.txn);
      if (!taken) throw new ChallengeGone();
      if (input.status === "SUCCESS") return { ok: true };
      return { ok: false, reason: capability === "mobile_push" ? "push denied" : "wrong provider code" };
    },

    async remove(db, userId, registrationId) {
      await db
        .delete(factors)
        .where(and(eq(factors.userId, userId), eq(factors.type, id), registrationId ? eq(factors.id, registrationId) : undefined));
    },
  };

  function stepOf(ext: Ext): ExternalStepData {
    return capability === "mobile_push"
      ? { phase: "push", number: ext.number!, expiresAt: ext.expiresAt, target: ext.target }
      : { phase: "code", expiresAt: ext.expiresAt, target: ext.target };
  }

  cache.set(id, plugin);
  return plugin;
}

async function clearExt(tx: DbOrTx, user: FactorUser, challengeId: string, txn: string): Promise<boolean> {
  const r = await rows<{ id: string }>(
    tx,
    sql`UPDATE challenges SET context = (context - 'ext') || jsonb_build_object('extUsed', ${txn}::text)
         WHERE id = ${challengeId} AND user_id = ${user.userId} AND session_id = ${user.sessionId}
           AND status = 'open' AND expires_at > app_now() AND context->'ext'->>'txn' = ${txn}
         RETURNING id`,
  );
  return r.length === 1;
}

export const EXTERNAL_CAPABILITIES = CAPABILITIES;
