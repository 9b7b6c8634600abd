import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The layering docs/ARCHITECTURE.md describes, held by a test: app/ checks who is asking and
 * calls lib/ functions named for what they do, so no file in app/ touches the database itself.
 */
function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return filesUnder(p);
    return /\.(ts|tsx)$/.test(e.name) ? [p] : [];
  });
}

const DATA_ACCESS: [string, RegExp][] = [
  ["drizzle-orm", /from ["']drizzle-orm/],
  ["the schema's tables", /from ["']@\/lib\/db\/schema["']/],
  ["raw SQL (rows / sql``)", /\bsql`|\brows[<(]/],
  ["a query builder call", /\b(db|tx)\s*\.\s*(select|insert|update|delete|execute)\s*\(/],
];

describe("app/ holds no data access", () => {
  it("no page, route handler or server action imports drizzle, the schema, or writes SQL", () => {
    const offences = filesUnder(path.resolve("app")).flatMap((file) => {
      const text = fs.readFileSync(file, "utf8");
      return DATA_ACCESS.filter(([, re]) => re.test(text)).map(([what]) => `${path.relative(process.cwd(), file)}: ${what}`);
    });
    expect(offences).toEqual([]);
  });

  it("the check sees data access where there is some", () => {
    const offending = ['import { sql } from "drizzle-orm";', "await tx.insert(payees).values(row);", "const r = await rows<{ id: string }>(tx, q);"];
    for (const line of offending) expect(DATA_ACCESS.some(([, re]) => re.test(line))).toBe(true);
  });
});
