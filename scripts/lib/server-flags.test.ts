import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { nextStartCommand, SERVER_NODE_FLAGS } from "./server-flags";

const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8")) as { scripts: Record<string, string> };

describe("the production server's Node flags", () => {
  it("are the ones `npm start` runs next start with (the bench and the demo use the same list)", () => {
    const start = pkg.scripts.start!;
    expect(start.split(" && ").at(-1)).toBe(nextStartCommand());
  });

  it("are flags Node also accepts in NODE_OPTIONS (a deployment without npm start can set them there)", () => {
    for (const flag of SERVER_NODE_FLAGS) expect(process.allowedNodeEnvironmentFlags.has(flag.split("=")[0]!)).toBe(true);
  });
});
