import "server-only";
import { sql } from "drizzle-orm";
import type { z } from "zod";
import type { ActionState, ErrorState } from "@/lib/actions/state";
import type { SessionRow } from "@/lib/auth/sessions";
import { sha256 } from "@/lib/crypto";
import { rows, type Db, type Tx } from "@/lib/db";
import type { Settings } from "@/lib/db/schema";
import { getSettings } from "@/lib/settings";
import { audit, auditInsertOneOf, type PendingAudit } from "@/lib/audit";
import { openChallenge } from "./challenges";
import { offeredFactors, verifyOffers } from "./registry";
import type { StepUpRequired } from "./step-up-types";

export type { StepUpRequired };

type CurrentSession = SessionRow;

/**
 * The step-up guard's core, free of request APIs (no cookies, headers or Auth.js), so
 * integration tests drive it directly with any database handle. The wrappers that server
 * actions use — stepUpAction, adminStepUpAction — are in ./step-up.ts, with the whole story.
 */
export type RiskDecision = { decision: "allow" } | { decision: "mfa"; reason: string } | { decision: "block"; message: string };

export type StepUpContext = {
  tx: Tx;
  session: CurrentSession;
  settings: Settings;
  /**
   * For the handler only: the action's success audit row. A handler whose write is one
   * statement may insert it there (`auditInsert`) and set `written`; otherwise the guard writes it.
   */
  audited?: PendingAudit;
};

export class Refusal extends Error {
  constructor(
    message: string,
    readonly fieldErrors?: Record<string, string[]>,
  ) {
    super(message);
  }
}

type AuditDetails<I> = string | Record<string, unknown> | ((input: I) => string | Record<string, unknown>);

export type StepUpOptions<S extends z.ZodObject> = {
  /** Audit action name and the grant's binding: a grant for "transfer" never serves "payee.add". */
  action: string;
  schema: S;
  risk: (input: z.infer<S>, ctx: StepUpContext) => RiskDecision | Promise<RiskDecision>;
  /** What the MFA dialog shows, so the user authorises what they see. */
  describe: (input: z.infer<S>, ctx: StepUpContext) => string | Promise<string>;
  auditDetails?: AuditDetails<z.infer<S>>;
  /** Shapes what the user sees when the action is refused (blocked, grant refused, Refusal). */
  onError?: (state: ErrorState, input: z.infer<S>) => ErrorState;
};

/** Canonical JSON (sorted keys) so equal inputs always hash equal. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

export function inputHash(action: string, input: unknown): string {
  return sha256(canonical({ action, input }));
}

function detailsOf<I>(d: AuditDetails<I> | undefined, input: I): Record<string, unknown> {
  const v = typeof d === "function" ? d(input) : d;
  return typeof v === "string" ? { summary: v } : (v ?? {});
}

type Outcome =
  | { kind: "done"; state: ActionState }
  | { kind: "blocked"; message: string }
  | { kind: "mfa"; reason: string; description: string }
  | { kind: "refused"; message: string; fieldErrors?: Record<string, string[]> };

/**
 * The guard's core, free of request APIs so integration tests drive it directly with any
 * database handle: risk rule, grant consumption, handler — one transaction.
 */
export type GuardedCall<S extends z.ZodObject, D> = {
  session: CurrentSession;
  ip: string | null;
  /** The action's declaration: name, schema, risk rule, description, audit details. */
  guard: StepUpOptions<S>;
  /** The validated input, without the grant id. */
  input: z.infer<S>;
  grantId?: string;
  handler: (input: z.infer<S>, ctx: StepUpContext) => Promise<ActionState<D>>;
};

export async function runGuarded<S extends z.ZodObject, D>(db: Db, call: GuardedCall<S, D>): Promise<ActionState> {
  const { session, ip, guard: opts, input, grantId, handler } = call;
  const hash = inputHash(opts.action, input);
  const base = { subjectUserId: session.userId, actorUserId: session.userId, sessionId: session.id, ip };
  const details = detailsOf(opts.auditDetails, input);
  const shape = (state: ErrorState) => (opts.onError ? opts.onError(state, input) : state);

  let outcome: Outcome;
  try {
    outcome = await db.transaction(async (tx): Promise<Outcome> => {
      const ctx = { tx, session, settings: await getSettings(tx) };
      const risk = await opts.risk(input, ctx);
      if (risk.decision === "block") {
        await audit(tx, { ...base, action: opts.action, outcome: "refused", details: { ...details, reason: "blocked by rule", rule: risk.message } });
        return { kind: "blocked", message: risk.message };
      }
      if (risk.decision === "mfa") {
        if (!grantId) return { kind: "mfa", reason: risk.reason, description: await opts.describe(input, ctx) };
        // Consume once; a grant presented with other input is voided, not kept for later. The
        // same statement writes the one audit row of the attempt, whichever way it went.
        const grantAudit = (outcome: "ok" | "refused", reason: string) => ({
          ...base,
          action: "step_up.grant",
          outcome,
          details: { ...details, for: opts.action, reason },
        });
        const [grant] = await rows<{ matches: boolean | null }>(
          tx,
          sql`WITH spent AS (
                UPDATE step_up_grants
                   SET used_at = CASE WHEN input_hash = ${hash} THEN app_now() ELSE used_at END,
                       voided_at = CASE WHEN input_hash = ${hash} THEN voided_at ELSE app_now() END
                 WHERE id = ${grantId} AND session_id = ${session.id} AND user_id = ${session.userId}
                   AND action = ${opts.action} AND used_at IS NULL AND voided_at IS NULL AND expires_at > app_now()
             RETURNING (input_hash = ${hash}) AS matches
              ), audited AS (
                ${auditInsertOneOf(
                  sql`CASE WHEN spent.matches THEN 'used' WHEN NOT spent.matches THEN 'voided' ELSE 'unknown' END`,
                  {
                    used: grantAudit("ok", risk.reason),
                    voided: grantAudit("refused", "input differs: grant voided"),
                    unknown: grantAudit("refused", "grant unknown, used, expired or not this session's"),
                  },
                  sql`(SELECT 1) AS one LEFT JOIN spent ON true`,
                )}
              )
              SELECT (SELECT matches FROM spent) AS matches`,
        );
        if (!grant?.matches) return { kind: "mfa", reason: "grant refused", description: await opts.describe(input, ctx) };
      }
      // The action's own audit row: the handler's write statement may carry it (`PendingAudit`);
      // otherwise it is written here. Either way it commits with the change.
      const audited: PendingAudit = { event: { ...base, action: opts.action, outcome: "ok", details }, written: false };
      const state = await handler(input, { ...ctx, audited });
      if (state.status === "ok") {
        if (!audited.written) await audit(tx, audited.event);
      } else if (audited.written) {
        throw new Error(`${opts.action}: the handler recorded a change but answered ${state.status}`);
      }
      return { kind: "done", state };
    });
  } catch (err) {
    if (!(err instanceof Refusal)) throw err;
    // Rolled back: nothing moved, the grant is still unused. The refusal is still audited.
    await audit(db, { ...base, action: opts.action, outcome: "refused", details: { ...details, reason: err.message } });
    return shape({ status: "error", message: err.message, fieldErrors: err.fieldErrors });
  }

  switch (outcome.kind) {
    case "done":
      return outcome.state.status === "error" ? shape(outcome.state) : outcome.state;
    case "blocked":
      return shape({ status: "error", code: "blocked", message: outcome.message });
    case "refused":
      return shape({ status: "error", message: outcome.message, fieldErrors: outcome.fieldErrors });
    case "mfa":
      return requireStepUp(db, session, opts.action, hash, outcome.description, outcome.reason, { ...base, details });
  }
}

async function requireStepUp(
  db: Db,
  session: CurrentSession,
  action: string,
  hash: string,
  description: string,
  reason: string,
  auditBase: { subjectUserId: string; actorUserId: string; sessionId: string; ip: string | null; details: Record<string, unknown> },
): Promise<ErrorState> {
  const user = { userId: session.userId, username: session.username, email: session.email, groupId: session.groupId, sessionId: session.id };
  const { usable: factors, unavailable } = await offeredFactors(db, user, "step_up");
  if (factors.length === 0) {
    await audit(db, { ...auditBase, action: "step_up.required", outcome: "refused", details: { ...auditBase.details, for: action, reason: "no step-up factor" } });
    // A provider switched off by the bank is not something the customer can fix on the Security page.
    return {
      status: "error",
      message: unavailable.length
        ? `${[...new Set(unavailable.map((f) => f.name))].join(", ")}: this method is unavailable at the moment. Contact the bank.`
        : "This needs two-step verification. Set up an authenticator app on the Security page first.",
    };
  }
  const challenge = await db.transaction(async (tx) => {
    const c = await openChallenge(tx, {
      sessionId: session.id,
      userId: session.userId,
      purpose: "step_up",
      key: `${action}:${hash}`,
      context: { action, inputHash: hash, description },
    });
    await audit(tx, { ...auditBase, action: "step_up.required", outcome: "ok", details: { ...auditBase.details, for: action, reason } });
    return c;
  });
  // Each factor's verify data is built for this challenge: a passkey signs over its binding.
  const offered = await verifyOffers(db, user, factors, challenge);
  return {
    status: "error",
    code: "mfa_required",
    message: "Please confirm this with your second factor.",
    challenge: { challengeId: challenge.id, description, factors: offered },
  };
}
