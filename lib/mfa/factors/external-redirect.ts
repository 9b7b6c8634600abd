import "server-only";
import { and, eq, like, sql } from "drizzle-orm";
import { rows, type DbOrTx } from "@/lib/db";
import { factors, mfaProviders } from "@/lib/db/schema";
import { ChallengeGone } from "@/lib/mfa/challenges";
import { lastTripOf } from "@/lib/mfa/redirect/flow";
import { enrolledAtProvider } from "./at-provider";
import type { FactorPlugin, Preparation } from "./types";
import { MESSAGES } from "@/lib/messages";

/**
 * The redirect-based provider's factor, `prefix:redirect`: the user approves on the
 * provider's own page. It is offered when the provider's type is `redirect` and the user is
 * enrolled at that provider (an active `prefix:…` row) — so switching a provider's type in the
 * admin console moves its customers from push/codes to the provider's page and back.
 *
 * The trip out and back is lib/mfa/redirect/flow.ts (routes /mfa/redirect/start and
 * /mfa/redirect/callback). This plugin only takes a verified verdict, once, under the row lock:
 * nothing the browser sends is believed — `prepare` looks the trip up by id for this challenge
 * and session, and `verify` spends it with one conditional UPDATE that returns the verdict.
 */
export const REDIRECT_ID = /^([a-z0-9_-]{1,32}):redirect$/;

export function isRedirectFactorId(id: unknown): id is string {
  return typeof id === "string" && REDIRECT_ID.test(id);
}

/** What the Verify component gets: where to start, the provider's name, and the last trip's outcome. */
export type RedirectVerifyData = { providerName: string; challengeId: string; last: string | null };

async function redirectProvider(db: DbOrTx, prefix: string) {
  const [p] = await db
    .select({ id: mfaProviders.id, name: mfaProviders.name, type: mfaProviders.type })
    .from(mfaProviders)
    .where(and(eq(mfaProviders.credentialPrefix, prefix), eq(mfaProviders.enabled, true)));
  return p && p.type === "redirect" ? p : null;
}

const cache = new Map<string, FactorPlugin>();

export function redirectFactor(id: string): FactorPlugin {
  const hit = cache.get(id);
  if (hit) return hit;
  const prefix = REDIRECT_ID.exec(id)![1]!;
  const enrolled = (types: Iterable<string>) => [...types].some((t) => t.startsWith(`${prefix}:`));

  const plugin: FactorPlugin = {
    id,
    name: "Approve at your provider",
    description: "You are taken to your verification provider's page to approve, then brought back here.",
    verifyTitle: "Approve on your provider's page",
    registerTitle: "Approve at your provider",
    primary: true,
    messages: {
      "redirect denied": MESSAGES.deniedAtProvider,
    },

    activeIn: (snapshot) => (enrolled(snapshot.activeTypes) ? undefined : false),

    async isActive(db, userId) {
      const [row] = await db
        .select({ id: factors.id })
        .from(factors)
        .where(and(eq(factors.userId, userId), like(factors.type, `${prefix}:%`), eq(factors.status, "active")))
        .limit(1);
      return !!row && !!(await redirectProvider(db, prefix));
    },

    ...enrolledAtProvider,

    async verifyData(db, user, challenge): Promise<RedirectVerifyData> {
      const p = await redirectProvider(db, prefix);
      const last = await lastTripOf(db, challenge.id, user.sessionId);
      return { providerName: p?.name ?? "your provider", challengeId: challenge.id, last: last?.status ?? null };
    },

    /** The only input is a trip id; the verdict is read from the trip, which the callback verified. */
    async prepare(db, user, challenge, input): Promise<Preparation> {
      const tripId = typeof input.trip === "string" && /^[0-9a-f-]{36}$/.test(input.trip) ? input.trip : null;
      if (!tripId) return { kind: "continue", data: null, message: "Continue to your provider to approve." };
      const [t] = await rows<{ status: string }>(
        db,
        sql`SELECT status FROM redirect_challenges
             WHERE id = ${tripId} AND challenge_id = ${challenge.id} AND session_id = ${user.sessionId} AND user_id = ${user.userId} AND factor = ${id}`,
      );
      if (t?.status !== "verified") return { kind: "continue", data: null, message: "That request has ended. Start a new one." };
      return { kind: "verify", input: { trip: tripId } };
    },

    /** Under the row lock: spends the verified trip once and reads its verdict. */
    async verify(tx, user, input, challenge) {
      const [t] = await rows<{ verdict: string }>(
        tx,
        sql`UPDATE redirect_challenges SET status = 'used'
             WHERE id = ${input.trip ?? null}::uuid AND challenge_id = ${challenge.id} AND session_id = ${user.sessionId}
               AND user_id = ${user.userId} AND factor = ${id} AND status = 'verified'
         RETURNING verdict`,
      );
      if (!t) throw new ChallengeGone();
      return t.verdict === "SUCCESS" ? { ok: true } : { ok: false, reason: "redirect denied" };
    },

    async remove(db, userId, registrationId) {
      await db
        .delete(factors)
        .where(and(eq(factors.userId, userId), eq(factors.type, id), registrationId ? eq(factors.id, registrationId) : undefined));
    },
  };
  cache.set(id, plugin);
  return plugin;
}
