/**
 * A gate in front of Next's server-action decoder (proxy.ts). Next answers 500 to a request it
 * cannot decode — a malformed multipart body, a reply whose root is not JSON or points at parts
 * that do not exist, an MPA form with a junk `$ACTION_1:0`, a body over the 1 MB limit, and a
 * cross-origin action POST (its CSRF check). Found by the fuzz suite (e2e/fuzz/). This gate
 * refuses those with a 4xx before Next decodes anything; what passes it decodes as before.
 *
 * It is narrow on purpose: every action in this app is called as (prevState, FormData), so a
 * reply from our own forms only holds plain JSON, "$K<n>" (the FormData), "$undefined",
 * "$D<date>", "$n<digits>", the special numbers and "$$"-escaped strings. Anything else that
 * React's reply format can name (promises, maps, sets, blobs, streams, server and temporary
 * references) is refused here — an action taking such arguments would have to widen this list.
 */

/** Next's default `serverActions.bodySizeLimit`. */
export const ACTION_BODY_LIMIT = 1024 * 1024;

const SAFE_DOLLAR = /^\$(?:\$[\s\S]*|K\d{1,9}|undefined|D[\s\S]{0,64}|n-?\d{1,400}|Infinity|-Infinity|NaN|-0)$/;

/** Every string in a decoded reply value is plain, or one of the references our forms send. */
export function safeReplyValue(value: unknown, depth = 0): boolean {
  if (depth > 64) return false;
  if (typeof value === "string") return !value.startsWith("$") || SAFE_DOLLAR.test(value);
  if (value === null || typeof value === "number" || typeof value === "boolean") return true;
  if (Array.isArray(value)) return value.every((v) => safeReplyValue(v, depth + 1));
  if (typeof value === "object") return Object.values(value as object).every((v) => safeReplyValue(v, depth + 1));
  return false;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** A reply's root: the argument list (Next applies the action to it), made of safe values. */
export function safeReplyRoot(text: string): boolean {
  const parsed = parseJson(text);
  return parsed.ok && Array.isArray(parsed.value) && safeReplyValue(parsed.value);
}

/**
 * An MPA (no-JavaScript) form post: each `$ACTION_REF_<n>` needs `$ACTION_<n>:0` = {id, bound}
 * whose bound args, when there are any, are a part `$ACTION_<n>:<k>` with a safe root.
 */
export function safeMpaForm(form: FormData): boolean {
  for (const key of form.keys()) {
    const ref = /^\$ACTION_REF_(.*)$/.exec(key);
    if (!ref) continue;
    const prefix = `$ACTION_${ref[1]}:`;
    const meta = form.get(`${prefix}0`);
    if (typeof meta !== "string") return false;
    const parsed = parseJson(meta);
    if (!parsed.ok || typeof parsed.value !== "object" || parsed.value === null) return false;
    const { id, bound } = parsed.value as { id?: unknown; bound?: unknown };
    if (typeof id !== "string" || !/^[0-9a-f]{1,128}$/.test(id)) return false;
    if (bound === null || bound === undefined) continue;
    const k = typeof bound === "string" ? /^\$@(\d{1,9})$/.exec(bound)?.[1] : undefined;
    if (!k || k === "0") return false;
    const args = form.get(`${prefix}${k}`);
    if (typeof args !== "string" || !safeReplyRoot(args)) return false;
  }
  // Parts of a bound-args reply other than the ones named above would be decoded too.
  for (const key of form.keys()) {
    const part = /^\$ACTION_(.*):(\d+)$/.exec(key);
    if (!part || part[2] === "0") continue;
    if (!form.has(`$ACTION_REF_${part[1]}`)) continue;
    const value = form.get(key);
    if (typeof value !== "string" || !safeReplyRoot(value)) return false;
  }
  return true;
}

/** A fetch action's multipart reply: the root part "0", safe; no outlined parts beside it. */
export function safeActionForm(form: FormData): boolean {
  const root = form.get("0");
  if (typeof root !== "string" || !safeReplyRoot(root)) return false;
  for (const key of form.keys()) if (/^\d+$/.test(key) && key !== "0") return false;
  return true;
}

/**
 * Next reads multipart action bodies with busboy, which throws ("Malformed part header") on a
 * control character in a part's headers — e.g. a field name with a NUL — where the standard
 * FormData parser used below lets it pass. Every part header must be printable (or a tab).
 */
export function partHeadersPrintable(body: Uint8Array, contentType: string): boolean {
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const delimiter = boundary?.[1] ?? boundary?.[2];
  if (!delimiter) return false;
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("latin1");
  const marker = `--${delimiter}\r\n`;
  for (let at = text.indexOf(marker); at !== -1; at = text.indexOf(marker, at + marker.length)) {
    const start = at + marker.length;
    const end = text.indexOf("\r\n\r\n", start);
    const headers = text.slice(start, end === -1 ? undefined : end).split("\r\n").join("");
    if (/[\x00-\x08\x0a-\x1f\x7f]/.test(headers)) return false;
  }
  return true;
}

type Verdict = { ok: true } | { ok: false; status: 400 | 403 | 413; message: string };

const refuse = (status: 400 | 403 | 413, message: string): Verdict => ({ ok: false, status, message });

/** The host the browser talked to: as Next compares it (x-forwarded-host first, then host). */
function requestHost(headers: Headers): string | null {
  return headers.get("x-forwarded-host")?.split(",")[0]?.trim() || headers.get("host");
}

/**
 * The request names its origin, and that origin's host is the one the browser talked to: Next's
 * CSRF rule for server actions, for a route handler that stands in for one
 * (lib/http/script-endpoint.ts). A cross-site page cannot pass it; behind a load balancer every
 * instance answers for the same host.
 */
export function sameOriginRequest(headers: Headers): boolean {
  const origin = headers.get("origin");
  return origin !== null && originOnRequestHost(origin, headers);
}

/** An `Origin` value whose host is the host the browser talked to. */
function originOnRequestHost(origin: string, headers: Headers): boolean {
  try {
    const host = new URL(origin).host;
    return host !== "" && host === requestHost(headers);
  } catch {
    return false;
  }
}

/**
 * Checks a POST to a page that Next would treat as a (possible) server action: a fetch action
 * (`Next-Action` header) or a multipart form post. Reads a clone of the body; returns what to
 * answer when the request must not reach Next's decoder.
 */
export async function checkActionRequest(request: Request): Promise<Verdict> {
  const headers = request.headers;
  const isFetchAction = headers.has("next-action");
  const contentType = headers.get("content-type") ?? "";
  const isMultipart = contentType.toLowerCase().startsWith("multipart/form-data");
  if (request.method !== "POST" || (!isFetchAction && !isMultipart)) return { ok: true };
  // Neither a fetch action nor a form post carries `RSC`; with it, Next answers a refused
  // action with a 500 (it expected an RSC payload).
  if (headers.has("rsc")) return refuse(400, "Bad request.");

  // Next's CSRF check answers a cross-origin action with a 500: refuse it as what it is.
  const origin = headers.get("origin");
  if (origin !== null && !originOnRequestHost(origin, headers)) return refuse(403, "Cross-origin form posts are refused.");

  const declared = Number(headers.get("content-length") ?? 0);
  if (declared > ACTION_BODY_LIMIT) return refuse(413, "The request is too large.");
  let body: ArrayBuffer;
  try {
    body = await request.clone().arrayBuffer();
  } catch {
    return refuse(400, "The request could not be read.");
  }
  if (body.byteLength > ACTION_BODY_LIMIT) return refuse(413, "The request is too large.");

  if (isMultipart) {
    if (!partHeadersPrintable(new Uint8Array(body), contentType)) return refuse(400, "The form could not be read.");
    let form: FormData;
    try {
      form = await new Request("http://gate.invalid/", { method: "POST", headers: { "content-type": contentType }, body }).formData();
    } catch {
      return refuse(400, "The form could not be read.");
    }
    if (isFetchAction ? !safeActionForm(form) : !safeMpaForm(form)) return refuse(400, "The form could not be read.");
    return { ok: true };
  }
  // A fetch action whose reply is a single string (no FormData): JSON, safe.
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(body);
  } catch {
    return refuse(400, "The request could not be read.");
  }
  return safeReplyRoot(text) ? { ok: true } : refuse(400, "The request could not be read.");
}
