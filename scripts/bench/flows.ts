// The HTTP flows the bench drives, each as a browser does it, each checked strictly: a refused
// or failed step throws (an error, never a fast response).
import { generateSync } from "otplib";
import { SIGN_IN_ENDPOINTS } from "../../lib/http/script-call";
import { sessionCookieName } from "../../lib/security/headers";
import { actionState, CookieJar, type Client, type Reply } from "./http";
import type { BenchUser } from "./users";

export type ActionIds = { transfer: string; verifyStepUp: string };

/** The server runs with APP_ENV=production: Secure cookies with the __Host- prefix. */
export const SESSION_COOKIE = sessionCookieName(true);
const STEP_SECONDS = 30;

/**
 * The browser's device cookie (lib/auth/devices.ts `deviceCookieName`, production name): a
 * returning customer signs in from a browser the bank has seen (scripts/bench/users.ts seeds
 * it), and keeps it from one sign-in to the next, as a browser does. Without it every sign-in
 * would be a "new device" with a mail — not the common case the bench measures.
 */
export const DEVICE_COOKIE = "__Host-mfa-bank.device";
const devices = new Map<string, string>();

/** A fresh browser session for `user` on their own browser: only the device cookie carried over. */
function browserOf(user: BenchUser): CookieJar {
  const jar = new CookieJar();
  jar.set(DEVICE_COOKIE, devices.get(user.username) ?? user.deviceSecret);
  return jar;
}

function keepDevice(user: BenchUser, jar: CookieJar, step: string, r: Reply) {
  const device = jar.get(DEVICE_COOKIE);
  if (!device) fail(step, r, "no device cookie after a completed sign-in");
  // The bank knew this browser: it keeps its cookie (a new one would mean "new device").
  if (device !== (devices.get(user.username) ?? user.deviceSecret)) fail(step, r, "the bank did not recognise the customer's own browser");
  devices.set(user.username, device);
}

export class FlowError extends Error {}

function fail(step: string, reply: Reply, why: string): never {
  const state = actionState(reply);
  const detail = state?.message ?? reply.body.slice(0, 160).replace(/\s+/g, " ");
  throw new FlowError(`${step}: ${why} (HTTP ${reply.status}; ${detail})`);
}

export const nowStep = () => Math.floor(Date.now() / 1000 / STEP_SECONDS);

/**
 * A code is accepted once per user per 30-s step (replay protection). Sign-ins take users in
 * turn and never reuse one within its step; when every user has signed in during this step,
 * the caller waits for the next one (counted, so a too-small pool shows in the results).
 */
export class TotpRotation {
  private next = 0;
  private readonly lastStep: number[];
  waits = 0;

  constructor(readonly users: BenchUser[]) {
    this.lastStep = users.map(() => -1);
  }

  async take(): Promise<{ user: BenchUser; step: number }> {
    for (;;) {
      const step = nowStep();
      const i = this.next;
      if (this.lastStep[i]! < step) {
        this.lastStep[i] = step;
        this.next = (i + 1) % this.users.length;
        return { user: this.users[i]!, step };
      }
      this.waits++;
      await new Promise((r) => setTimeout(r, ((step + 1) * STEP_SECONDS * 1000 - Date.now()) + 20));
    }
  }

  /**
   * A code for another verification (step-up) by a user who already signed in: the next step
   * not yet used, if the server accepts it now (±1 step of clock drift, lib/mfa/totp.ts).
   */
  codeFor(user: BenchUser): string | null {
    const i = this.users.indexOf(user);
    const step = Math.max(nowStep(), this.lastStep[i]! + 1);
    if (step > nowStep() + 1) return null;
    this.lastStep[i] = step;
    return totpCode(user, step);
  }
}

export function totpCode(user: BenchUser, step: number): string {
  return generateSync({ secret: user.totpSecret!, epoch: step * STEP_SECONDS });
}

/**
 * The page the browser goes to after a sign-in action answered with its destination: a client
 * navigation, which fetches the page's RSC payload (components/mfa/mfa-panel.tsx,
 * components/auth/login-form.tsx). Checked to be this user's dashboard. Next wants the `_rsc`
 * cache-busting parameter to match the router headers sent; with none, it is empty. (A
 * browser also sends its router state, and gets only the segments that change: this full-tree
 * payload costs the server a little more, never less.)
 */
async function navigate(client: Client, path: string, jar: CookieJar, user: BenchUser, step: string): Promise<void> {
  const r = await client.request("GET", `${path}?_rsc`, jar, { rsc: "1" });
  if (r.status !== 200 || !r.body.includes(user.displayName)) fail(step, r, "the dashboard did not render for this user");
}

/**
 * Password-only: the password step (the form's script posts it to the login action's route
 * handler, lib/http/script-endpoint.ts) answers with the destination; the browser navigates there.
 */
export async function passwordSignIn(client: Client, ids: ActionIds, user: BenchUser, password: string, onReply?: (label: string) => void): Promise<CookieJar> {
  const jar = browserOf(user);
  const r = await client.step(SIGN_IN_ENDPOINTS.password, { username: user.username, password, callbackUrl: "/dashboard" }, jar);
  onReply?.("password step");
  const s = actionState(r);
  if (r.status !== 200 || s?.status !== "ok" || s.data?.next !== "/dashboard") fail("login", r, `expected the destination /dashboard, got ${JSON.stringify(s?.data)}`);
  if (!jar.get(SESSION_COOKIE)) fail("login", r, "no session cookie");
  keepDevice(user, jar, "login", r);
  await navigate(client, "/dashboard", jar, user, "dashboard");
  onReply?.("/dashboard (client navigation)");
  return jar;
}

/**
 * Password + TOTP: the password step answers with the second step in place (challenge and
 * factors), then the code step answers with the destination; the browser navigates. Both go to
 * the actions' route handlers, as the page's script sends them.
 */
export async function totpSignIn(
  client: Client,
  ids: ActionIds,
  user: BenchUser,
  password: string,
  step: number,
  onReply?: (label: string) => void,
): Promise<CookieJar> {
  const jar = browserOf(user);
  const r1 = await client.step(SIGN_IN_ENDPOINTS.password, { username: user.username, password, callbackUrl: "/dashboard" }, jar);
  onReply?.("password step (→ the code step in place)");
  const s1 = actionState(r1);
  const challengeId = (s1?.data?.step as { challengeId?: unknown } | undefined)?.challengeId;
  if (r1.status !== 200 || s1?.status !== "ok" || typeof challengeId !== "string") fail("login", r1, "expected the code step with a challenge");
  const pending = jar.get(SESSION_COOKIE);
  if (!pending) fail("login", r1, "no session cookie");
  const r2 = await client.step(SIGN_IN_ENDPOINTS.answer, { challengeId, factor: "totp", code: totpCode(user, step) }, jar);
  onReply?.("code step");
  const s2 = actionState(r2);
  if (r2.status !== 200 || s2?.status !== "ok" || s2.data?.next !== "/dashboard") fail("mfa", r2, `expected the destination /dashboard, got ${JSON.stringify(s2?.data)}`);
  const verified = jar.get(SESSION_COOKIE);
  if (!verified || verified === pending) fail("mfa", r2, "the session id did not rotate");
  keepDevice(user, jar, "mfa", r2);
  await navigate(client, "/dashboard", jar, user, "dashboard");
  onReply?.("/dashboard (client navigation)");
  return jar;
}

export type TransferFields = { from: string; to: string; amount: string; memo: string; idempotencyKey: string };

export function transferFields(user: BenchUser, amount: string): TransferFields {
  return {
    from: user.accounts[0]!.id,
    to: `account:${user.accounts[1]!.id}`,
    amount,
    memo: "bench",
    idempotencyKey: crypto.randomUUID(),
  };
}

/** A transfer over the step-up threshold: "MFA required" → answer with a code → a grant for exactly this input. */
export async function obtainGrant(client: Client, ids: ActionIds, jar: CookieJar, fields: TransferFields, code: string, onReply?: (label: string) => void): Promise<string> {
  const r1 = await client.action("/transfer", ids.transfer, fields, jar);
  onReply?.("transfer without a grant (→ MFA required)");
  const s1 = actionState(r1);
  const challengeId = s1?.challenge?.challengeId;
  if (s1?.code !== "mfa_required" || typeof challengeId !== "string") fail("transfer", r1, "expected MFA required");
  const r2 = await client.action("/transfer", ids.verifyStepUp, { challengeId, factor: "totp", code }, jar);
  onReply?.("step-up action (code → grant)");
  const s2 = actionState(r2);
  const grantId = s2?.data?.grantId;
  if (s2?.status !== "ok" || typeof grantId !== "string") fail("step-up", r2, "expected a grant");
  return grantId;
}

/** The transfer action; with a grant when the amount needs one. Succeeds or throws. */
export async function transfer(client: Client, ids: ActionIds, jar: CookieJar, fields: TransferFields, grantId?: string): Promise<void> {
  const r = await client.action("/transfer", ids.transfer, grantId ? { ...fields, grantId } : fields, jar);
  const s = actionState(r);
  if (r.status !== 200 || s?.status !== "ok") fail("transfer", r, `expected ok, got ${s?.status}/${s?.code}`);
}
