import { randomUUID } from "node:crypto";
import type { APIRequestContext } from "@playwright/test";
import { act, TRANSFER, type Answer } from "./actions";

/** Transfers the fault specs make while something breaks: each with its own amount and key. */

export type Attempt = {
  userId: string;
  amountMinor: number;
  from: string;
  to: string;
  key: string;
  answer?: Answer;
};

/** Every attempt of a spec gets its own amount in cents, so audit rows can be matched to it. */
let nextCents = 101;
export function uniqueAmount(): number {
  return nextCents++;
}

export function formatAmount(minor: number): string {
  return `${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, "0")}`;
}

/** One transfer under €1,000 (no step-up) between the user's own accounts or to their payee. */
export async function transferOnce(
  request: APIRequestContext,
  base: string,
  user: { id: string; accounts: { id: string }[]; payee: { id: string } },
  i: number,
  attempts: Attempt[],
): Promise<Attempt> {
  const [everyday, savings] = user.accounts;
  const route = [
    { from: everyday!.id, to: `account:${savings!.id}` },
    { from: savings!.id, to: `account:${everyday!.id}` },
    { from: everyday!.id, to: `payee:${user.payee.id}` },
  ][i % 3]!;
  const attempt: Attempt = { userId: user.id, amountMinor: uniqueAmount(), ...route, key: randomUUID() };
  attempts.push(attempt);
  return send(request, base, attempt);
}

/** The same intended transfer again (same key and amount), as the form does after "try again". */
export async function retryTransfer(request: APIRequestContext, base: string, first: Attempt, attempts: Attempt[]): Promise<Attempt> {
  const attempt: Attempt = { ...first, answer: undefined };
  attempts.push(attempt);
  return send(request, base, attempt);
}

/** Posts the attempt's transfer as the form does and keeps the answer on it. */
async function send(request: APIRequestContext, base: string, attempt: Attempt): Promise<Attempt> {
  attempt.answer = await act(request, `${base}/transfer`, ...TRANSFER, {
    from: attempt.from,
    to: attempt.to,
    amount: formatAmount(attempt.amountMinor),
    memo: "fault suite",
    idempotencyKey: attempt.key,
  });
  return attempt;
}
