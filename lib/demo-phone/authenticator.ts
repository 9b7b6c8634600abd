/**
 * The demo phone's authenticator app, the part that runs in the browser: entries
 * live in that browser's localStorage, as on a real phone, and the server never sees them.
 * Pure functions here (parsing, storage shape) so they are unit-tested without a browser; no
 * zod, so the enrolment page's "Add to the demo phone" stays small.
 */
export type PhoneEntry = {
  id: string;
  issuer: string;
  account: string;
  /** base32, upper case, no padding or spaces */
  secret: string;
  digits: 6 | 8;
  period: number;
  algorithm: "sha1" | "sha256" | "sha512";
};

export type ParsedEntry = Omit<PhoneEntry, "id">;
export type ParseResult = { ok: true; entry: ParsedEntry } | { ok: false; message: string };

/** otplib refuses secrets under 16 bytes; base32 carries 5 bits a character. */
const MIN_SECRET_CHARS = 26;
const MAX_SECRET_CHARS = 128;

function parseSecret(raw: string): { ok: true; secret: string } | { ok: false; message: string } {
  const secret = raw.replace(/[\s-]/g, "").replace(/=+$/, "").toUpperCase();
  if (!secret) return { ok: false, message: "Paste a secret key or an otpauth:// link." };
  if (!/^[A-Z2-7]+$/.test(secret)) return { ok: false, message: "A secret key has only the letters A–Z and the digits 2–7 (base32). Check what you pasted." };
  if (secret.length < MIN_SECRET_CHARS) return { ok: false, message: `That secret key is too short: at least ${MIN_SECRET_CHARS} characters (128 bits).` };
  if (secret.length > MAX_SECRET_CHARS) return { ok: false, message: `That secret key is too long: at most ${MAX_SECRET_CHARS} characters.` };
  return { ok: true, secret };
}

/**
 * An `otpauth://totp/Issuer:account?secret=…` link (Google's Key Uri Format) or a bare base32
 * secret, for the phone of `owner`. Anything else gets one sentence saying what is wrong.
 */
export function parseAuthenticatorInput(input: string, owner: string): ParseResult {
  const text = input.trim();
  if (text.length > 2048) return { ok: false, message: "That is too long for a setup link or a secret key." };
  if (!/^otpauth:/i.test(text)) {
    const s = parseSecret(text);
    return s.ok ? { ok: true, entry: { issuer: "MFA Bank", account: owner, secret: s.secret, digits: 6, period: 30, algorithm: "sha1" } } : s;
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, message: "That setup link is not a valid otpauth:// link." };
  }
  if (url.protocol !== "otpauth:") return { ok: false, message: "That setup link is not a valid otpauth:// link." };
  if (url.host.toLowerCase() !== "totp") {
    return { ok: false, message: url.host.toLowerCase() === "hotp" ? "Counter-based (HOTP) links are not supported: this app shows time-based codes." : "That setup link is not a time-based (otpauth://totp/…) link." };
  }
  let label: string;
  try {
    label = decodeURIComponent(url.pathname.replace(/^\//, ""));
  } catch {
    return { ok: false, message: "The name in that setup link is garbled." };
  }
  const [labelIssuer, labelAccount] = label.includes(":") ? [label.slice(0, label.indexOf(":")), label.slice(label.indexOf(":") + 1)] : ["", label];
  const secret = parseSecret(url.searchParams.get("secret") ?? "");
  if (!secret.ok) return { ok: false, message: url.searchParams.has("secret") ? secret.message : "That setup link has no secret= in it." };
  const algorithm = (url.searchParams.get("algorithm") ?? "SHA1").toLowerCase();
  if (algorithm !== "sha1" && algorithm !== "sha256" && algorithm !== "sha512") return { ok: false, message: "That setup link asks for an algorithm this app does not know (SHA1, SHA256 or SHA512)." };
  const digits = Number(url.searchParams.get("digits") ?? 6);
  if (digits !== 6 && digits !== 8) return { ok: false, message: "That setup link asks for codes of other than 6 or 8 digits." };
  const period = Number(url.searchParams.get("period") ?? 30);
  if (!Number.isInteger(period) || period < 10 || period > 300) return { ok: false, message: "That setup link asks for a code period outside 10–300 seconds." };
  const issuer = (url.searchParams.get("issuer") ?? labelIssuer).trim().slice(0, 64) || "Unknown issuer";
  const account = labelAccount.trim().slice(0, 64) || owner;
  return { ok: true, entry: { issuer, account, secret: secret.secret, digits, period, algorithm } };
}

export const storageKey = (owner: string) => `mfa-bank.demo-phone.${owner}.authenticator`;
/** Set once the README secret was offered to that phone, so a removed entry stays removed. */
export const prefilledKey = (owner: string) => `mfa-bank.demo-phone.${owner}.prefilled`;

function isEntry(e: unknown): e is PhoneEntry {
  if (typeof e !== "object" || e === null) return false;
  const x = e as Record<string, unknown>;
  const text = (v: unknown, max: number) => typeof v === "string" && v.length <= max;
  return (
    text(x.id, 64) && (x.id as string).length > 0 &&
    text(x.issuer, 64) &&
    text(x.account, 64) &&
    typeof x.secret === "string" && /^[A-Z2-7]{26,128}$/.test(x.secret) &&
    (x.digits === 6 || x.digits === 8) &&
    Number.isInteger(x.period) && (x.period as number) >= 10 && (x.period as number) <= 300 &&
    (x.algorithm === "sha1" || x.algorithm === "sha256" || x.algorithm === "sha512")
  );
}

/** What the storage holds for `owner`; anything unreadable there is dropped, not trusted. */
export function readEntries(storage: Pick<Storage, "getItem">, owner: string): PhoneEntry[] {
  try {
    const parsed: unknown = JSON.parse(storage.getItem(storageKey(owner)) ?? "[]");
    return Array.isArray(parsed) ? parsed.filter(isEntry) : [];
  } catch {
    return [];
  }
}

export function writeEntries(storage: Pick<Storage, "setItem">, owner: string, entries: PhoneEntry[]): void {
  storage.setItem(storageKey(owner), JSON.stringify(entries));
}

/** Adds `entry` to `owner`'s phone, replacing one with the same issuer and account (a re-enrolment). */
export function addEntry(storage: Pick<Storage, "getItem" | "setItem">, owner: string, entry: ParsedEntry, id: string): PhoneEntry[] {
  const rest = readEntries(storage, owner).filter((e) => !(e.issuer === entry.issuer && e.account === entry.account));
  const next = [...rest, { ...entry, id }];
  writeEntries(storage, owner, next);
  return next;
}

/** Seconds left in the current period, 1…period. */
export function secondsLeft(period: number, nowMs: number): number {
  return period - (Math.floor(nowMs / 1000) % period);
}
