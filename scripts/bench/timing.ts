// The sign-in timing gap: does a failed sign-in take the same time whatever
// the reason? Every case answers the same generic message; only the time could tell them apart.
import { randomBytes } from "node:crypto";
import { SIGN_IN_ENDPOINTS } from "../../lib/http/script-call";
import { actionState, CookieJar, type Client } from "./http";
import { FlowError } from "./flows";
import type { BenchUser } from "./users";

export const TIMING_SAMPLES = 60;
const WARM_UP_ROUNDS = 5;
/** Wrong passwords that lock an account: above the default threshold (5), in case it is raised a little. */
const LOCKING_FAILURES = 8;
export const TIMING_TARGET_MS = 3;

const GENERIC = "Incorrect username or password.";

export type TimingCase = "wrong password, password-only user" | "unknown user" | "locked account" | "wrong password, MFA user";
export type TimingResult = {
  samples: number;
  medians: Record<TimingCase, number>;
  /** |median(case) − median(wrong password, password-only user)| for every other case. */
  gaps: Partial<Record<TimingCase, number>>;
  largestGap: number;
  met: boolean;
};

/** Users the phase needs: one per failed attempt (a second failure would count towards a lock), plus the one it locks. */
export const timingUsersNeeded = { passwordOnly: TIMING_SAMPLES + WARM_UP_ROUNDS + 1, totp: TIMING_SAMPLES + WARM_UP_ROUNDS };

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/**
 * One request at a time (c=1), the cases round-robin and the order rotated every round, so
 * drift and bursts of load from elsewhere fall on every case alike. Each wrong password goes
 * to a user that has not failed before; the locked account is locked first by failing its
 * password past the threshold (untimed). Every answer must be the generic refusal.
 */
export async function signInTimingGap(client: Client, users: { passwordOnly: BenchUser[]; totp: BenchUser[] }): Promise<TimingResult> {
  const pw = users.passwordOnly.slice(-timingUsersNeeded.passwordOnly);
  const totp = users.totp.slice(-timingUsersNeeded.totp);
  if (pw.length < timingUsersNeeded.passwordOnly || totp.length < timingUsersNeeded.totp) throw new Error("not enough bench users for the timing phase");
  const locked = pw.pop()!;
  const wrong = () => `wrong-${randomBytes(9).toString("base64url")}`;

  const attempt = async (username: string, password: string): Promise<number> => {
    const t = performance.now();
    const r = await client.step(SIGN_IN_ENDPOINTS.password, { username, password, callbackUrl: "/dashboard" }, new CookieJar());
    const ms = performance.now() - t;
    const state = actionState(r);
    if (r.status !== 200 || state?.status !== "error" || state.message !== GENERIC) {
      throw new FlowError(`timing sign-in of ${username}: expected the generic refusal, got HTTP ${r.status} ${JSON.stringify(state) ?? r.body.slice(0, 120)}`);
    }
    return ms;
  };

  for (let i = 0; i < LOCKING_FAILURES; i++) await attempt(locked.username, wrong());

  let next = 0;
  const cases: [TimingCase, () => Promise<number>][] = [
    ["wrong password, password-only user", () => attempt(pw[next]!.username, wrong())],
    ["unknown user", () => attempt(`bench-nobody-${randomBytes(6).toString("hex")}`, wrong())],
    ["locked account", () => attempt(locked.username, wrong())],
    ["wrong password, MFA user", () => attempt(totp[next]!.username, wrong())],
  ];
  const times = new Map<TimingCase, number[]>(cases.map(([name]) => [name, []]));
  for (let round = 0; round < WARM_UP_ROUNDS + TIMING_SAMPLES; round++) {
    for (let k = 0; k < cases.length; k++) {
      const [name, run] = cases[(round + k) % cases.length]!;
      const ms = await run();
      if (round >= WARM_UP_ROUNDS) times.get(name)!.push(ms);
    }
    next++;
  }

  const round1 = (x: number) => Math.round(x * 10) / 10;
  const medians = Object.fromEntries([...times].map(([name, xs]) => [name, round1(median(xs))])) as Record<TimingCase, number>;
  const reference = medians["wrong password, password-only user"];
  const gaps: Partial<Record<TimingCase, number>> = {};
  for (const [name] of cases.slice(1)) gaps[name] = round1(Math.abs(medians[name] - reference));
  const largestGap = Math.max(...Object.values(gaps));
  return { samples: TIMING_SAMPLES, medians, gaps, largestGap, met: largestGap <= TIMING_TARGET_MS };
}

export function timingLines(r: TimingResult): string[] {
  return [
    `sign-in timing (c=1, ${r.samples} interleaved samples per case, every answer the generic refusal): ` +
      Object.entries(r.medians)
        .map(([name, ms]) => `${name} ${ms} ms`)
        .join(" | "),
    `  largest median gap vs a wrong password (password-only user): ${r.largestGap} ms (${Object.entries(r.gaps)
      .map(([name, ms]) => `${name} ${ms}`)
      .join(", ")}) — target ≤ ${TIMING_TARGET_MS} ms: ${r.met ? "met" : "not met"}`,
  ];
}
