import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * Every mail the bank writes greets the same way, "Hello <username>," (issue #20 item 4): the
 * mails are written where they are sent (queueMail calls in lib/ and app/), so this reads the
 * sources and checks each greeting.
 */
function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return /\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) ? [p] : [];
  });
}

describe("mail greetings", () => {
  const files = ["lib", "app"].flatMap((d) => sources(path.resolve(d)));
  const mailers = files.filter((f) => fs.readFileSync(f, "utf8").includes("queueMail(tx"));

  it("finds the mails", () => {
    expect(mailers.length).toBeGreaterThanOrEqual(8);
  });

  it("every mail body starts with `Hello ${….username},`", () => {
    const odd: string[] = [];
    let mails = 0;
    let bodies = 0;
    for (const f of mailers) {
      const text = fs.readFileSync(f, "utf8");
      mails += text.split("queueMail(tx").length - 1;
      for (const m of text.matchAll(/queueMail\(tx,[\s\S]*?body:\s*`([^`]*?)\\n/g)) {
        bodies++;
        if (!/^Hello \$\{[\w.]*\busername\},$/.test(m[1]!)) odd.push(`${path.relative(process.cwd(), f)}: ${m[1]}`);
      }
    }
    expect(bodies).toBe(mails); // every mail's body was found and checked
    expect(odd).toEqual([]);
  });

  it("every mail is signed the same way", () => {
    for (const f of mailers) {
      const text = fs.readFileSync(f, "utf8");
      for (const m of text.matchAll(/queueMail\(tx,[\s\S]*?\}\);/g)) expect(m[0], f).toContain("\\n\\nMFA Bank");
    }
  });
});
