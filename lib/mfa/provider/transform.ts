import vm from "node:vm";
import { Environment, type TypeCheckResult } from "@marcbachmann/cel-js";
import { EXPRESSION_MAX } from "./resources";

/**
 * CEL transforms of a provider's resources (docs/PROVIDER-CONTRACT.md "Resources and
 * transforms"), evaluated by @marcbachmann/cel-js — a sandboxed CEL interpreter: an expression
 * reads only the variables given to it and calls only CEL's functions and `urlEncode`. Nothing
 * here ever hands administrator text to `eval`, `Function` or a JavaScript parser.
 *
 * Limits, because an expression is configuration that runs on every sign-in:
 * - source: at most EXPRESSION_MAX characters; the parser's own limits cap AST nodes, nesting
 *   depth, list/map literal sizes and call arguments (CEL_LIMITS);
 * - input: the variables at most INPUT_MAX bytes as JSON, nested at most JSON_DEPTH deep;
 * - time: EVAL_TIMEOUT_MS (generous: a loaded host must not turn a lookup into a fault). CEL has no loops, but nested macros over a list multiply
 *   (`l.map(a, l.map(b, …))`); the evaluation runs under node:vm's watchdog (a constant
 *   one-line script `run()` in an empty context, no user text), which stops it mid-way;
 * - output: JSON values only (no bytes, timestamps or types), at most OUTPUT_MAX bytes.
 * Every violation is a TransformError: at save time a form error, at run time a provider fault.
 */

export const CEL_LIMITS = { maxAstNodes: 600, maxDepth: 24, maxListElements: 100, maxMapEntries: 100, maxCallArguments: 8 };
export const INPUT_MAX = 64 * 1024;
export const OUTPUT_MAX = 16 * 1024;
export const JSON_DEPTH = 24;
// Wall time, so it must hold on a busy host: 200 ms tripped on a plain field lookup while a CI run
// loaded both cores. A second still stops an expression that multiplies, well inside the
// provider's own timeout.
export const EVAL_TIMEOUT_MS = 1000;

export type Direction = "outgoing" | "incoming";

export class TransformError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TransformError";
  }
}

function environment(direction: Direction) {
  const env = new Environment({ homogeneousAggregateLiterals: false, unlistedVariablesAreDyn: false, limits: CEL_LIMITS })
    .registerFunction("urlEncode(string): string", (s: string) => encodeURIComponent(s))
    .registerVariable("body", "dyn")
    .registerVariable("headers", "map<string, string>");
  if (direction === "outgoing") {
    env.registerVariable("method", "string").registerVariable("path", "string").registerVariable("params", "map<string, string>");
  } else {
    env.registerVariable("status_code", "int").registerVariable("request", "dyn");
  }
  return env;
}

const ENVS: Record<Direction, ReturnType<typeof environment>> = { outgoing: environment("outgoing"), incoming: environment("incoming") };

/** The variables each direction may read (the admin console lists them). */
export const VARIABLES: Record<Direction, string[]> = {
  outgoing: ["body", "headers", "method", "path", "params"],
  incoming: ["body", "headers", "status_code", "request"],
};

type Compiled = (ctx: Record<string, unknown>) => unknown;
const compiled = new Map<string, Compiled>();
const COMPILED_MAX = 500;

/** First line of a library message (the rest is a source excerpt with a caret), bounded. */
function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split("\n")[0]!.slice(0, 300);
}

/**
 * Parses and type-checks one expression: the compile step of a save. Returns null when it is
 * fine, or the message the form shows. Unknown variables and type errors are caught here.
 */
export function checkExpression(direction: Direction, source: string): string | null {
  if (source.length > EXPRESSION_MAX) return `at most ${EXPRESSION_MAX} characters`;
  if (!source.trim()) return "empty expression";
  try {
    ENVS[direction].parse(source);
  } catch (err) {
    return `does not compile: ${firstLine(err)}`;
  }
  let check: TypeCheckResult;
  try {
    check = ENVS[direction].check(source);
  } catch (err) {
    return `does not compile: ${firstLine(err)}`;
  }
  if (!check.valid) return `does not compile: ${firstLine(check.error)}`;
  return null;
}

function compile(direction: Direction, source: string): Compiled {
  const key = `${direction}\u0000${source}`;
  const hit = compiled.get(key);
  if (hit) return hit;
  const problem = checkExpression(direction, source);
  if (problem) throw new TransformError(problem);
  const fn = ENVS[direction].parse(source) as unknown as Compiled;
  if (compiled.size >= COMPILED_MAX) compiled.delete(compiled.keys().next().value!);
  compiled.set(key, fn);
  return fn;
}

/** JSON → CEL: whole numbers become CEL ints (so `body.n + 1` works), objects null-prototype maps. */
function toCel(v: unknown, depth = 0): unknown {
  if (depth > JSON_DEPTH) throw new TransformError(`the input is nested more than ${JSON_DEPTH} deep`);
  if (v === null || typeof v === "string" || typeof v === "boolean") return v;
  if (typeof v === "number") return Number.isSafeInteger(v) ? BigInt(v) : v;
  if (Array.isArray(v)) return v.map((x) => toCel(x, depth + 1));
  if (typeof v === "object") {
    const out: Record<string, unknown> = Object.create(null);
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (x !== undefined) out[k] = toCel(x, depth + 1);
    return out;
  }
  throw new TransformError(`the input holds a ${typeof v}`);
}

/** CEL → JSON: ints back to numbers; bytes, timestamps, durations and types are refused. */
function fromCel(v: unknown, depth = 0): unknown {
  if (depth > JSON_DEPTH) throw new TransformError(`the result is nested more than ${JSON_DEPTH} deep`);
  if (v === null || typeof v === "string" || typeof v === "boolean") return v;
  if (typeof v === "bigint") {
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) throw new TransformError("the result holds an integer too large for JSON");
    return Number(v);
  }
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new TransformError("the result holds a number that is not finite");
    return v;
  }
  if (Array.isArray(v)) return v.map((x) => fromCel(x, depth + 1));
  if (v instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of v) {
      if (typeof k !== "string") throw new TransformError("the result holds a map with a key that is not a string");
      Object.defineProperty(out, k, { value: fromCel(x, depth + 1), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  if (typeof v === "object") {
    const proto = Object.getPrototypeOf(v);
    if (proto !== null && proto !== Object.prototype) throw new TransformError(`the result holds a ${(v as object).constructor?.name ?? "value"}, which is not JSON`);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      Object.defineProperty(out, k, { value: fromCel(x, depth + 1), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  throw new TransformError(`the result holds a ${typeof v}, which is not JSON`);
}

// The watchdog: node:vm stops a synchronous run after `timeout` ms (V8 TerminateExecution),
// whatever JavaScript it is in — here the CEL interpreter. The script is this constant.
const watchdogContext = vm.createContext(Object.create(null));
const watchdogScript = new vm.Script("run()");

function withTimeout<T>(fn: () => T, ms: number): T {
  (watchdogContext as { run?: () => T }).run = fn;
  try {
    return watchdogScript.runInContext(watchdogContext, { timeout: ms }) as T;
  } catch (err) {
    if ((err as { code?: string }).code === "ERR_SCRIPT_EXECUTION_TIMEOUT") throw new TransformError(`took longer than ${ms} ms`);
    throw err;
  } finally {
    (watchdogContext as { run?: () => T }).run = undefined;
  }
}

/**
 * Runs one transform on JSON variables and returns a JSON value. Any failure — compile, input
 * too large, a runtime error (a missing key, a type mismatch), the time limit, a result that is
 * not JSON or too large — is a TransformError with a short reason.
 */
export function runTransform(direction: Direction, source: string, vars: Record<string, unknown>, opts: { timeoutMs?: number } = {}): unknown {
  const fn = compile(direction, source);
  let size: number;
  try {
    size = Buffer.byteLength(JSON.stringify(vars));
  } catch {
    throw new TransformError("the input is not JSON");
  }
  if (size > INPUT_MAX) throw new TransformError(`the input is larger than ${INPUT_MAX / 1024} KB`);
  const ctx = toCel(vars) as Record<string, unknown>;
  let out: unknown;
  try {
    out = withTimeout(() => fn(ctx), opts.timeoutMs ?? EVAL_TIMEOUT_MS);
  } catch (err) {
    if (err instanceof TransformError) throw err;
    throw new TransformError(`failed: ${firstLine(err)}`);
  }
  const json = fromCel(out);
  if (Buffer.byteLength(JSON.stringify(json) ?? "") > OUTPUT_MAX) throw new TransformError(`the result is larger than ${OUTPUT_MAX / 1024} KB`);
  return json;
}
