import "server-only";
import { and, eq, sql, type SQL } from "drizzle-orm";
import { fromJsonb, rows, type DbOrTx } from "@/lib/db";
import { factors, groups, type Challenge } from "@/lib/db/schema";
import { challengeFromJsonb, type Purpose } from "./challenges";
import { externalFactor, isExternalFactorId } from "./factors/external";
import { passkeyFactor } from "./factors/passkey";
import { recoveryFactor } from "./factors/recovery";
import { totpFactor } from "./factors/totp";
import type { FactorPlugin, FactorSnapshot, FactorUser, Registration, Workflow } from "./factors/types";

export { hasPrimaryFactor } from "./registry-core";
export type { Workflow };

/** The factor registry: adding a factor is one file in ./factors and one line here. */
const FACTORS: FactorPlugin[] = [totpFactor, passkeyFactor, recoveryFactor];

export function getFactor(id: unknown): FactorPlugin | undefined {
  // External factors are "prefix:capability", one plugin per id over the provider's config row.
  return FACTORS.find((f) => f.id === id) ?? (isExternalFactorId(id) ? externalFactor(id) : undefined);
}

/** The built-in factors (external ones exist per provider configuration: see factorsOfUser). */
export function allFactors(): readonly FactorPlugin[] {
  return FACTORS;
}

/**
 * Every plugin that may hold a registration for this user: the built-ins plus each external
 * factor ("prefix:capability") the user has a row for — what an MFA reset must clear.
 */
export async function factorsOfUser(db: DbOrTx, userId: string): Promise<FactorPlugin[]> {
  const types = await db.selectDistinct({ type: factors.type }).from(factors).where(eq(factors.userId, userId));
  const external = types.map((t) => t.type).filter(isExternalFactorId).map(externalFactor);
  return [...FACTORS, ...external];
}

type Profile = { signIn: string[]; stepUp: string[]; phishingResistantOnly: boolean; rememberDeviceDays?: number };

/**
 * The group's lists as the workflows see them. "Phishing-resistant only" narrows the sign-in
 * list (which also serves password reset) to factors that are (NIST SP 800-63B-4 §3.2.5:
 * passkeys); step-up keeps its own list.
 */
function profileFrom(signIn: string[], stepUp: string[], phishingResistantOnly: boolean): Profile {
  return { signIn: phishingResistantOnly ? signIn.filter((id) => getFactor(id)?.phishingResistant) : signIn, stepUp, phishingResistantOnly };
}

/** The group profile's factor ids for a workflow (password reset escalates like sign-in, as in Totara); undefined without a group row. */
async function profileOf(db: DbOrTx, groupId: string): Promise<Profile | undefined> {
  const [group] = await db
    .select({ signIn: groups.signInFactors, stepUp: groups.stepUpFactors, phishingResistantOnly: groups.phishingResistantOnly })
    .from(groups)
    .where(eq(groups.id, groupId));
  return group && profileFrom(group.signIn, group.stepUp, group.phishingResistantOnly);
}

const listFor = (profile: Profile | undefined, workflow: Workflow) => (workflow === "step_up" ? profile?.stepUp : profile?.signIn);

/** Who a factor snapshot is of: parameters, or the columns of a statement it rides in (a session lookup's, the password step's user read). */
export type SnapshotOwner = { userId: SQL; groupId: SQL; sessionId: SQL };

/** The owner as parameters, for a snapshot read on its own. */
function ownerOf(user: FactorUser): SnapshotOwner {
  return { userId: sql`${user.userId}::uuid`, groupId: sql`${user.groupId}::text`, sessionId: sql`${user.sessionId}::uuid` };
}

/**
 * What a page needs to offer factors, as one jsonb expression: the group's profile, the user's
 * active `factors` types and whether unused recovery codes remain. Plugins answer `isActive`
 * from it (`activeIn`) instead of one query each. With `challenge`, it also holds that open
 * challenge of this session and purpose (null when it is not open), and with `factorRead` what
 * the named factor's `verify` reads: an answer needs all three. An expression, so the read can
 * ride in a statement the request makes anyway (`readSnapshot` parses what it returned).
 */
export function snapshotSql(owner: SnapshotOwner, challenge?: { id: string; purpose: Purpose }, factorRead?: SQL): SQL {
  return sql`jsonb_build_object(
          'group', (SELECT jsonb_build_object('sign_in', g.sign_in_factors, 'step_up', g.step_up_factors,
                                              'phishing_resistant_only', g.phishing_resistant_only, 'remember_device_days', g.remember_device_days)
                      FROM groups g WHERE g.id = ${owner.groupId}),
          'active_types', COALESCE((SELECT jsonb_agg(DISTINCT f.type) FROM factors f WHERE f.user_id = ${owner.userId} AND f.status = 'active'), '[]'::jsonb),
          'unused_recovery', EXISTS (SELECT 1 FROM recovery_codes c WHERE c.user_id = ${owner.userId} AND c.used_at IS NULL),
          'challenge', ${
            challenge
              ? sql`(SELECT to_jsonb(c) FROM challenges c
                      WHERE c.id = ${challenge.id} AND c.session_id = ${owner.sessionId} AND c.purpose = ${challenge.purpose}
                        AND c.status = 'open' AND c.expires_at > app_now())`
              : sql`NULL::jsonb`
          },
          'factor_read', ${factorRead ?? sql`NULL::jsonb`},
          'now_s', FLOOR(EXTRACT(EPOCH FROM app_clock_timestamp()))::bigint)`;
}

/** A snapshot as read (`snapshotSql`), parsed. */
export type SnapshotRead = {
  profile: Profile | undefined;
  snapshot: FactorSnapshot;
  challenge: Challenge | null;
  factorRead: unknown;
  /** The database clock when it was read (seconds). */
  nowSeconds: number;
};

/** Parses what `snapshotSql` returned (an object, or its text on drivers that do not parse jsonb). */
export function readSnapshot(value: unknown): SnapshotRead {
  const r = (fromJsonb(value) ?? {}) as {
    group: { sign_in: unknown; step_up: unknown; phishing_resistant_only: boolean | null; remember_device_days: number | null } | null;
    active_types: unknown;
    unused_recovery: boolean;
    challenge: unknown;
    factor_read: unknown;
    now_s: number | string;
  };
  const list = (v: unknown): string[] | null => (v == null ? null : fromJsonb<string[]>(v));
  const signIn = list(r.group?.sign_in);
  const stepUp = list(r.group?.step_up);
  return {
    profile: signIn && stepUp ? { ...profileFrom(signIn, stepUp, Boolean(r.group?.phishing_resistant_only)), rememberDeviceDays: Number(r.group?.remember_device_days ?? 0) } : undefined,
    snapshot: { activeTypes: new Set(list(r.active_types) ?? []), unusedRecoveryCodes: Boolean(r.unused_recovery) },
    challenge: challengeFromJsonb(r.challenge),
    factorRead: r.factor_read == null ? null : fromJsonb(r.factor_read),
    nowSeconds: Number(r.now_s),
  };
}

/** A snapshot expression (`snapshotSql`, `answerReadSql`) in a read of its own, parsed. */
async function readOnItsOwn(db: DbOrTx, snapshot: SQL): Promise<SnapshotRead> {
  const [r] = await rows<{ snapshot: unknown }>(db, sql`SELECT ${snapshot} AS snapshot`);
  return readSnapshot(r?.snapshot);
}

/** The user's snapshot in a read of its own. */
const snapshotOf = (db: DbOrTx, user: FactorUser) => readOnItsOwn(db, snapshotSql(ownerOf(user)));

async function isActiveNow(db: DbOrTx, f: FactorPlugin, user: FactorUser, snapshot: FactorSnapshot): Promise<boolean> {
  return f.activeIn?.(snapshot) ?? (await f.isActive(db, user.userId));
}

/**
 * What a page offers for a workflow, from one read: the factors the user has set up and the
 * group's profile allows (`usable`), and the user's registered provider methods that cannot
 * serve it right now — provider disabled, capability removed, target type not allowed
 * (`unavailable`): the page names them, so a customer is told what to do instead of seeing nothing.
 */
export async function offeredFactors(
  db: DbOrTx,
  user: FactorUser,
  workflow: Workflow,
  /** The same snapshot, read by a statement the request made anyway (the password step's user read). */
  read?: SnapshotRead,
): Promise<{ usable: FactorPlugin[]; unavailable: FactorPlugin[]; phishingResistantOnly: boolean; rememberDeviceDays: number }> {
  const { profile, snapshot } = read ?? (await snapshotOf(db, user));
  const allowed = listFor(profile, workflow);
  const external = (allowed ?? []).filter(isExternalFactorId).map(externalFactor);
  const usable: FactorPlugin[] = [];
  for (const f of [...external, ...FACTORS]) {
    if (allowed && !allowed.includes(f.id)) continue;
    if (f.allowedIn && !(await f.allowedIn(db, workflow))) continue;
    if (await isActiveNow(db, f, user, snapshot)) usable.push(f);
  }
  // In the group's order, like the methods the page offers.
  // A provider switched to the redirect type serves through its page: its push/code methods are not "unavailable".
  const viaRedirect = (t: string) => usable.some((f) => f.id === `${t.split(":")[0]}:redirect`);
  const unavailable = (allowed ?? [])
    .filter((t) => isExternalFactorId(t) && snapshot.activeTypes.has(t) && !usable.some((f) => f.id === t) && !viaRedirect(t))
    .map(externalFactor);
  return {
    usable,
    unavailable,
    phishingResistantOnly: workflow !== "step_up" && Boolean(profile?.phishingResistantOnly),
    // Remembering a browser skips the sign-in step only.
    rememberDeviceDays: workflow === "sign_in" ? (profile?.rememberDeviceDays ?? 0) : 0,
  };
}

/** Factors the user has set up and their group's MFA profile allows for this workflow. */
export async function usableFactors(db: DbOrTx, user: FactorUser, workflow: Workflow): Promise<FactorPlugin[]> {
  return (await offeredFactors(db, user, workflow)).usable;
}

/** The registered provider methods that cannot serve this workflow right now (see offeredFactors). */
export async function unavailableFactors(db: DbOrTx, user: FactorUser, workflow: Workflow): Promise<FactorPlugin[]> {
  return (await offeredFactors(db, user, workflow)).unavailable;
}

/** Is this factor usable for the workflow, as offeredFactors would decide, from a snapshot already read? */
async function usableIn(db: DbOrTx, user: FactorUser, workflow: Workflow, factor: FactorPlugin | undefined, read: { profile: Profile | undefined; snapshot: FactorSnapshot }) {
  if (!factor) return undefined;
  const allowed = listFor(read.profile, workflow);
  // As in offeredFactors: an external factor only where the group's profile names it.
  if (allowed ? !allowed.includes(factor.id) : isExternalFactorId(factor.id)) return undefined;
  if (factor.allowedIn && !(await factor.allowedIn(db, workflow))) return undefined;
  return (await isActiveNow(db, factor, user, read.snapshot)) ? factor : undefined;
}

/**
 * The one factor an answer names, if usableFactors would list it — without checking the
 * user's other factors.
 */
export async function usableFactor(db: DbOrTx, user: FactorUser, workflow: Workflow, factorId: string): Promise<FactorPlugin | undefined> {
  const factor = getFactor(factorId);
  return factor ? usableIn(db, user, workflow, factor, await snapshotOf(db, user)) : undefined;
}

/** The challenge an answer names, and the factor it names. */
export type AnswerRequest = { challengeId: string; purpose: Purpose; factorId: string };

/**
 * What an answer needs before it is evaluated, as one jsonb expression: the open challenge it
 * names (this session's, of this purpose; null otherwise), the snapshot that says whether the
 * factor it names is usable, what that factor's `verify` reads (`verifyRead`: TOTP's sealed
 * secret and last used step), and the database clock. The action's session lookup carries it
 * (lib/actions/guard.ts `readAlong`), so an answer's session, challenge, factor and policy are one read.
 */
export function answerReadSql(owner: SnapshotOwner, req: AnswerRequest): SQL {
  return snapshotSql(owner, { id: req.challengeId, purpose: req.purpose }, getFactor(req.factorId)?.verifyRead?.(owner.userId));
}

export type AnswerRead = { challenge: Challenge | null; factor: FactorPlugin | undefined; factorRead: unknown; nowSeconds: number };

/**
 * The answer's read (`answerReadSql`), parsed — or made here, in a read of its own, when the
 * session lookup did not carry it (`read` null or undefined): the open challenge, the named
 * factor if usable, and its `verifyRead`.
 */
export async function challengeAndFactor(db: DbOrTx, user: FactorUser, req: AnswerRequest, read?: unknown): Promise<AnswerRead> {
  const r = read == null ? await readOnItsOwn(db, answerReadSql(ownerOf(user), req)) : readSnapshot(read);
  const factor = r.challenge ? await usableIn(db, user, req.purpose, getFactor(req.factorId), r) : undefined;
  return { challenge: r.challenge, factor, factorRead: factor ? r.factorRead : null, nowSeconds: r.nowSeconds };
}

/**
 * Factors the user may add now: the group's profile names them (for sign-in, or for either
 * workflow when `workflow` is not given) and the factor itself agrees (userCanRegister).
 */
export async function registrableFactors(db: DbOrTx, user: FactorUser, workflow?: "sign_in"): Promise<FactorPlugin[]> {
  const profile = await profileOf(db, user.groupId);
  const allowed = new Set(workflow ? (profile?.signIn ?? []) : [...(profile?.signIn ?? []), ...(profile?.stepUp ?? [])]);
  const result: FactorPlugin[] = [];
  for (const f of FACTORS) {
    if (allowed.has(f.id) && (await f.userCanRegister(db, user))) result.push(f);
  }
  return result;
}

/** Every active registration of the user (one `factors` row each), with its plugin, in the order added. */
export async function registrationsOf(db: DbOrTx, userId: string): Promise<{ factor: FactorPlugin; registration: Registration }[]> {
  const rowsOf = await db
    .select({ id: factors.id, type: factors.type, name: factors.label, activatedAt: factors.activatedAt, lastUsedAt: factors.lastUsedAt })
    .from(factors)
    .where(and(eq(factors.userId, userId), eq(factors.status, "active")))
    .orderBy(factors.activatedAt, factors.id);
  const byType = new Map<string, Registration[]>();
  for (const { type, ...r } of rowsOf) byType.set(type, [...(byType.get(type) ?? []), r]);
  const described = new Map<string, Registration>();
  for (const [type, list] of byType) {
    const factor = getFactor(type);
    for (const r of factor?.describe ? await factor.describe(db, userId, list) : list) described.set(r.id, r);
  }
  return rowsOf.flatMap((r) => {
    const factor = getFactor(r.type);
    const registration = described.get(r.id);
    return factor && registration ? [{ factor, registration }] : [];
  });
}

/** What a Verify host needs of each factor, with its data built for this open challenge. */
export function verifyOffers(db: DbOrTx, user: FactorUser, list: FactorPlugin[], challenge: Challenge) {
  return Promise.all(
    list.map(async (f) => ({ id: f.id, name: f.name, description: f.description, verifyTitle: f.verifyTitle, data: await f.verifyData(db, user, challenge) })),
  );
}

/** What a Register host (FactorChooser) needs of each factor, with its register data. */
export function registerOffers(db: DbOrTx, user: FactorUser, list: FactorPlugin[]) {
  return Promise.all(
    list.map(async (f) => ({ id: f.id, name: f.name, description: f.description, registerTitle: f.registerTitle, data: await f.registerData(db, user) })),
  );
}

/** The factors that only back a primary one up (recovery codes): they go when the last primary goes. */
export function backupFactors(): readonly FactorPlugin[] {
  return FACTORS.filter((f) => !f.primary);
}

export async function groupRequiresMfa(db: DbOrTx, groupId: string): Promise<boolean> {
  const [g] = await db.select({ required: groups.mfaRequired }).from(groups).where(eq(groups.id, groupId));
  return !!g?.required;
}

/** The user's own active registration (a `factors` row) and its plugin, or null. */
export async function activeRegistration(db: DbOrTx, userId: string, registrationId: string) {
  const [row] = await db
    .select({ id: factors.id, type: factors.type, label: factors.label })
    .from(factors)
    .where(and(eq(factors.id, registrationId), eq(factors.userId, userId), eq(factors.status, "active")));
  const factor = row ? getFactor(row.type) : undefined;
  return row && factor ? { row, factor } : null;
}

/** A user-given name for one of the user's own registrations; the owner is in the WHERE clause. */
export async function renameRegistration(tx: DbOrTx, userId: string, registrationId: string, label: string): Promise<void> {
  await tx.update(factors).set({ label }).where(and(eq(factors.id, registrationId), eq(factors.userId, userId)));
}

/**
 * Takes the user's row lock, then counts the user's active registrations: two removals run one
 * after the other, so they cannot each see "another factor remains".
 */
export async function lockAndCountActiveFactors(tx: DbOrTx, userId: string): Promise<number> {
  await tx.execute(sql`SELECT id FROM users WHERE id = ${userId} FOR UPDATE`);
  const [{ primaries }] = await rows<{ primaries: number }>(
    tx,
    sql`SELECT count(*)::int AS primaries FROM factors WHERE user_id = ${userId} AND status = 'active'`,
  );
  return primaries;
}
