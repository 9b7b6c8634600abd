// The production build cache shared by `npm test` (.next-e2e), `npm run bench` (.next-bench) and
// `npm run demo` (.next-demo): a build is reused while the sources it was made from are unchanged.
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/** What a build is made of: a different hash means a new build. Tests and docs are left out. */
const BUILD_INPUTS = ["app", "components", "lib", "public", "proxy.ts", "next.config.ts", "postcss.config.mjs", "tsconfig.json", "package-lock.json"];

export function sourceHash(root: string): string {
  const hash = createHash("sha256");
  const visit = (rel: string) => {
    const abs = path.join(root, rel);
    if (!fs.existsSync(abs)) return;
    if (fs.statSync(abs).isDirectory()) for (const entry of fs.readdirSync(abs).sort()) visit(path.join(rel, entry));
    else if (!/\.test\.tsx?$/.test(rel)) hash.update(`${rel}\0`).update(fs.readFileSync(abs)).update("\0");
  };
  BUILD_INPUTS.forEach(visit);
  return hash.digest("hex");
}

/** True when `distDir` holds a finished build stamped (in `stampFile`) with `hash`. */
export function isBuildCurrent(root: string, distDir: string, stampFile: string, hash: string): boolean {
  const stamp = path.join(root, distDir, stampFile);
  return fs.existsSync(path.join(root, distDir, "BUILD_ID")) && fs.existsSync(stamp) && fs.readFileSync(stamp, "utf8") === hash;
}

/** `next build` rewrites tsconfig.json and next-env.d.ts for its dist dir: runs `build`, then puts both back. */
export async function keepingBuildRewrites<T>(root: string, build: () => Promise<T>): Promise<T> {
  const keep = ["tsconfig.json", "next-env.d.ts"].map((f) => {
    const file = path.join(root, f);
    return { file, text: fs.existsSync(file) ? fs.readFileSync(file, "utf8") : null };
  });
  try {
    return await build();
  } finally {
    for (const { file, text } of keep) {
      if (text === null) fs.rmSync(file, { force: true });
      else if (!fs.existsSync(file) || fs.readFileSync(file, "utf8") !== text) fs.writeFileSync(file, text);
    }
  }
}
