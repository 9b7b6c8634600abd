/**
 * FormData → plain object: one string per field. Files are refused; a repeated field is
 * refused too, or — where a malformed answer must still count as an attempt (MFA codes) —
 * joined into one string the factor will reject. So is a value with U+0000, which PostgreSQL's
 * text and jsonb cannot hold (it could only fail in the database): refused, or in an answer
 * replaced by U+FFFD, which no code contains.
 */
export function formToObject(form: unknown, repeated: "reject" | "join" = "reject"): Record<string, string> | null {
  if (!(form instanceof FormData)) return null;
  const out: Record<string, string> = {};
  for (const [key, raw] of form.entries()) {
    if (key.startsWith("$ACTION")) continue; // Next's own fields
    if (typeof raw !== "string") return null;
    if (raw.includes("\u0000") && repeated === "reject") return null;
    const value = raw.replaceAll("\u0000", "\ufffd");
    if (key in out) {
      if (repeated === "reject") return null;
      out[key] += `,${value}`;
    } else out[key] = value;
  }
  return out;
}
