/**
 * Durations the admin form shows in seconds while the settings row keeps milliseconds (the
 * backoff columns, lib/db/schema.ts). One unit per field, named in its label (no
 * "Backoff cap (ms) 300000"). Converted as text, never through a float: "0.25" is 250 ms
 * exactly, and every stored value shows as a string that parses back to itself.
 */

/** 1500 → "1.5", 300000 → "300", 250 → "0.25". */
export function msAsSeconds(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0) throw new RangeError(`not a duration in ms: ${ms}`);
  const whole = Math.floor(ms / 1000);
  const rest = ms % 1000;
  return rest ? `${whole}.${String(rest).padStart(3, "0").replace(/0+$/, "")}` : String(whole);
}

/** "1.5" → 1500, "300" → 300000; null for anything but digits with at most 3 decimals. */
export function secondsAsMs(text: string): number | null {
  const m = /^([0-9]{1,7})(?:\.([0-9]{1,3}))?$/.exec(text.trim());
  if (!m) return null;
  return Number(m[1]) * 1000 + Number((m[2] ?? "").padEnd(3, "0"));
}
