import "server-only";
import { eq, sql } from "drizzle-orm";
import { z } from "zod";
import { completeSignIn } from "@/lib/auth/complete-sign-in";
import { clientIp, factorUser, getCurrentSession, setSessionCookie, userAgent, type CurrentSession } from "@/lib/auth/current";
import { findActiveReset, markResetMfaPassed } from "@/lib/auth/password-reset";
import { safeCallbackUrl } from "@/lib/auth/sign-in";
import { getDb, rows, type Db } from "@/lib/db";
import { mfaProviders, type Challenge } from "@/lib/db/schema";
import { audit } from "@/lib/audit";
import { toChallenge, type Purpose } from "@/lib/mfa/challenges";
import { isRedirectFactorId } from "@/lib/mfa/factors/external-redirect";
import { mintGrant } from "@/lib/mfa/grants";
import { peekAdmission } from "@/lib/mfa/lockout";
import { findProvider } from "@/lib/mfa/provider/config";
import { usableFactor } from "@/lib/mfa/registry";
import { answerChallenge } from "@/lib/mfa/verify";
import { bankSigningKey } from "./bank-key";
import { callbackSchema, finishTrip, startTrip, type Trip } from "./flow";

/**
 * The two browser-facing ends of a redirect-based provider trip: GET
 * /mfa/redirect/start (→ 303 to the provider) and GET /mfa/redirect/callback (← the provider).
 * Both check the database session themselves — proxy.ts is no boundary — and both answer every
 * refusal with a 303 back to where the user was, carrying one fixed word (`redirect=denied`,
 * `#step-up=timeout`) that the page turns into a sentence, or a plain 400 when there is no trip
 * of this session to go back to. Every refusal is audited (`mfa.redirect`).
 */

/** What the pages understand after a trip. Fixed words, never free text from a URL. */
export const RETURN_CODES = ["denied", "canceled", "timeout", "refused", "unavailable", "wait", "locked", "expired"] as const;
export type ReturnCode = (typeof RETURN_CODES)[number];

const see = (location: string) => new Response(null, { status: 303, headers: { location, "cache-control": "no-store" } });
const plain = (status: number, text: string) =>
  new Response(`${text}\n`, { status, headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" } });

const REFUSED_TEXT =
  "This answer from the verification service was refused: it is unknown, was already used, or belongs to another session. Nothing was changed. Go back to MFA Bank and start again.";

/** Where a trip of this purpose goes back to with a code. */
function backTo(purpose: Purpose, factor: string, returnTo: string | null, code: ReturnCode): string {
  if (purpose === "step_up") return `${safeCallbackUrl(returnTo)}#step-up=${code}`;
  return `/mfa?factor=${encodeURIComponent(factor)}&redirect=${code}`;
}

/** The session state each purpose is answered from. */
function sessionServes(session: CurrentSession, purpose: Purpose): boolean {
  if (purpose === "sign_in") return session.mfaState === "pending";
  if (purpose === "password_reset") return session.mfaState === "reset";
  return session.mfaState === "verified" || session.mfaState === "none";
}

const startSchema = z.object({
  challenge: z.uuid(),
  factor: z.string().max(64).refine(isRedirectFactorId),
  returnTo: z.string().max(2048).optional(),
});

async function openChallengeOf(db: Db, id: string, sessionId: string): Promise<Challenge | null> {
  const [r] = await rows<Record<string, unknown>>(
    db,
    sql`SELECT * FROM challenges WHERE id = ${id} AND session_id = ${sessionId} AND status = 'open' AND expires_at > app_now()`,
  );
  return r ? toChallenge(r) : null;
}

export async function handleStart(req: Request): Promise<Response> {
  const url = new URL(req.url);
  const parsed = startSchema.safeParse(Object.fromEntries(url.searchParams));
  if (!parsed.success) return plain(400, "Bad request.");
  const { challenge: challengeId, factor, returnTo } = parsed.data;
  const session = await getCurrentSession();
  if (!session) return see("/login");
  const db = await getDb();
  const ip = await clientIp();
  const user = factorUser(session);
  const base = { subjectUserId: session.userId, sessionId: session.id, ip };
  const refuse = async (purpose: Purpose, code: ReturnCode, reason: string) => {
    await audit(db, { ...base, action: "mfa.redirect", outcome: "refused", details: { factor, purpose, step: "out", reason } });
    return see(backTo(purpose, factor, returnTo ?? null, code));
  };
  const challenge = await openChallengeOf(db, challengeId, session.id);
  if (!challenge) return refuse(session.mfaState === "verified" ? "step_up" : "sign_in", "expired", "challenge not open");
  if (!sessionServes(session, challenge.purpose)) return plain(400, "Bad request.");
  if (!(await usableFactor(db, user, challenge.purpose, factor))) return refuse(challenge.purpose, "unavailable", "factor not usable");
  const admission = await peekAdmission(db, session.userId);
  if (admission.locked) return refuse(challenge.purpose, "locked", "account locked");
  if (admission.waitMs > 0) return refuse(challenge.purpose, "wait", "backoff");
  const p = await findProvider(db, factor.split(":")[0]!);
  if (!p || p.type !== "redirect") return refuse(challenge.purpose, "unavailable", "provider not redirect-based");
  try {
    await bankSigningKey();
  } catch (err) {
    // Production without BANK_SIGNING_KEY: nobody is sent to a redirect provider.
    console.error(`[mfa] redirect provider ${p.credentialPrefix}: ${(err as Error).message}`);
    return refuse(challenge.purpose, "unavailable", "no bank signing key");
  }
  const { url: out, tripId } = await startTrip(db, p, {
    factor,
    challenge,
    userId: session.userId,
    sessionId: session.id,
    subject: p.uniqueNameAttribute === "email" ? session.email : session.username,
    username: session.username,
    returnTo: challenge.purpose === "step_up" ? safeCallbackUrl(returnTo) : null,
  });
  await audit(db, { ...base, action: "mfa.redirect", outcome: "ok", details: { factor, purpose: challenge.purpose, step: "out", trip: tripId } });
  return see(out);
}

/** The query as the provider sent it: single values only, and not huge. */
function callbackParams(url: URL): Record<string, string> | null {
  if (url.search.length > 4096) return null;
  const out: Record<string, string> = {};
  for (const [k, v] of url.searchParams) {
    if (k in out) return null;
    out[k] = v;
  }
  return out;
}

export async function handleCallback(req: Request): Promise<Response> {
  const url = new URL(req.url);
  const session = await getCurrentSession();
  const db = await getDb();
  const ip = await clientIp();
  const raw = callbackParams(url);
  const parsed = raw ? callbackSchema.safeParse(raw) : null;
  if (!session || !parsed?.success) {
    await audit(db, {
      action: "mfa.redirect",
      outcome: "refused",
      subjectUserId: session?.userId ?? null,
      sessionId: session?.id ?? null,
      ip,
      details: { step: "back", reason: !session ? "no session" : "malformed callback" },
    });
    return plain(400, REFUSED_TEXT);
  }
  const base = { subjectUserId: session.userId, sessionId: session.id, ip };
  const result = await finishTrip(db, parsed.data, session, async (id) => {
    const [p] = await db.select().from(mfaProviders).where(eq(mfaProviders.id, id));
    return p ?? null;
  });
  if (result.kind === "unknown") {
    await audit(db, { ...base, action: "mfa.redirect", outcome: "refused", details: { step: "back", reason: result.reason } });
    return plain(400, REFUSED_TEXT);
  }
  const trip = result.trip;
  const details = { factor: trip.factor, purpose: trip.purpose, step: "back", trip: trip.id };
  if (result.kind === "ended") {
    const outcome = result.code === "refused" || result.code === "unavailable" ? "refused" : "failed";
    const status = { timeout: "TIMEOUT", canceled: "CANCELED", refused: "refused", unavailable: "provider fault" }[result.code];
    await audit(db, { ...base, action: result.code === "unavailable" ? "mfa.provider_fault" : "mfa.redirect", outcome, details: { ...details, status, reason: result.reason } });
    return see(backTo(trip.purpose, trip.factor, trip.returnTo, result.code));
  }
  if (!sessionServes(session, trip.purpose)) {
    await audit(db, { ...base, action: "mfa.redirect", outcome: "refused", details: { ...details, reason: "session not in the trip's state" } });
    return plain(400, REFUSED_TEXT);
  }
  return answer(db, session, trip, ip);
}

/** The counted attempt: the verified verdict, taken once under the lockout model, then the purpose's own success. */
async function answer(db: Db, session: CurrentSession, trip: Trip, ip: string | null): Promise<Response> {
  const client = { ip, userAgent: await userAgent() };
  const reset = trip.purpose === "password_reset" ? await findActiveReset(db, session.id) : null;
  if (trip.purpose === "password_reset" && !reset) return see(backTo(trip.purpose, trip.factor, null, "expired"));
  const outcome = await answerChallenge(
    db,
    { ...factorUser(session), ip },
    { challengeId: trip.challengeId, purpose: trip.purpose, factorId: trip.factor, input: { trip: trip.id } },
    async (tx, challenge, pending) => {
      if (trip.purpose === "sign_in") return { token: (await completeSignIn(tx, session, client, pending)).token, next: safeCallbackUrl(challenge.context.callbackUrl) };
      if (trip.purpose === "password_reset") {
        await markResetMfaPassed(tx, reset!.id, session.id);
        return { token: null, next: "/reset-password/continue" };
      }
      const grantId = await mintGrant(tx, {
        sessionId: session.id,
        userId: session.userId,
        action: String(challenge.context.action),
        inputHash: String(challenge.context.inputHash),
        challengeId: challenge.id,
      });
      return { token: null, next: `${safeCallbackUrl(trip.returnTo)}#step-up=ok.${grantId}` };
    },
  );
  switch (outcome.kind) {
    case "ok":
      if (outcome.value.token) await setSessionCookie(outcome.value.token);
      return see(outcome.value.next);
    case "failed":
      return see(backTo(trip.purpose, trip.factor, trip.returnTo, outcome.locked ? "locked" : "denied"));
    case "locked":
      return see(backTo(trip.purpose, trip.factor, trip.returnTo, "locked"));
    case "wait":
      return see(backTo(trip.purpose, trip.factor, trip.returnTo, "wait"));
    case "unavailable":
    case "factor_not_allowed":
      return see(backTo(trip.purpose, trip.factor, trip.returnTo, "unavailable"));
    default:
      return see(backTo(trip.purpose, trip.factor, trip.returnTo, "expired"));
  }
}
