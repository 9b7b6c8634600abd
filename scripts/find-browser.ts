// The browser the e2e suites drive, found before anything is built: a fresh machine
// without one gets it installed when that can work, or one sentence naming the command to run.
//
// In order:
//   1. Playwright's own chromium, when installed (`npx playwright install chromium` put it there);
//   2. the system's chromium: Debian's headless shell (/usr/bin/chromium-headless-shell) first,
//      then the full browser (/usr/bin/chromium);
//   3. `npx playwright install chromium`, when the browser CDN can be reached;
//   4. as root on Debian: `apt-get install chromium-headless-shell` (Debian's mirror, not the CDN);
//   5. otherwise: stop with the exact command to run.
//
// E2E_SYSTEM_BROWSERS (colon-separated paths) replaces the candidates of step 2, and
// PLAYWRIGHT_BROWSERS_PATH (Playwright's own variable) moves step 1's folder: with both pointing
// nowhere and E2E_BROWSER_INSTALL=0, a machine with a browser behaves like one without.
import { spawn } from "node:child_process";
import fs from "node:fs";

export type BrowserFinderDeps = {
  /** Where Playwright's own chromium is (or would be) installed. */
  playwrightPath: () => string;
  systemPaths: string[];
  exists: (file: string) => boolean;
  /** Runs a command with its output shown; resolves to its exit code (never rejects). */
  run: (command: string, args: string[]) => Promise<number>;
  /** false: never download or install (E2E_BROWSER_INSTALL=0). */
  mayInstall: boolean;
  isRoot: boolean;
  isDebian: boolean;
  log: (line: string) => void;
};

export type BrowserFound = { ok: true; executablePath: string; source: string } | { ok: false; message: string };

/**
 * The headless shell first: it is Chromium without the browser's UI layer — what Playwright
 * itself runs for headless tests — and the suite runs about a third faster on it than on the full
 * browser in headless mode (e2e/README.md, "How long it takes"). Same engine,
 * same DevTools protocol (the passkey specs' virtual authenticator included).
 */
export const DEFAULT_SYSTEM_BROWSERS = ["/usr/bin/chromium-headless-shell", "/usr/bin/chromium"];
export const DEBIAN_PACKAGE = "chromium-headless-shell";

export async function findBrowser(d: BrowserFinderDeps): Promise<BrowserFound> {
  const own = () => {
    const file = d.playwrightPath();
    return file && d.exists(file) ? file : undefined;
  };
  const installed = own();
  if (installed) return { ok: true, executablePath: installed, source: "Playwright's chromium" };
  const system = d.systemPaths.find((file) => d.exists(file));
  if (system) return { ok: true, executablePath: system, source: "the system's browser" };

  if (d.mayInstall) {
    d.log("no browser found: downloading Playwright's chromium (npx playwright install chromium)…");
    if ((await d.run("npx", ["playwright", "install", "chromium"])) === 0) {
      const downloaded = own();
      if (downloaded) return { ok: true, executablePath: downloaded, source: "Playwright's chromium, just downloaded" };
    }
    if (d.isRoot && d.isDebian) {
      d.log(`Playwright's browser download failed: installing Debian's ${DEBIAN_PACKAGE} package instead (apt-get update; apt-get install -y ${DEBIAN_PACKAGE})…`);
      const ok =
        (await d.run("apt-get", ["update"])) === 0 &&
        (await d.run("apt-get", ["install", "-y", "--no-install-recommends", DEBIAN_PACKAGE])) === 0;
      const fromApt = ok ? d.systemPaths.find((file) => d.exists(file)) : undefined;
      if (fromApt) return { ok: true, executablePath: fromApt, source: `Debian's ${DEBIAN_PACKAGE}, just installed` };
    }
  }
  const command = d.isDebian ? `${d.isRoot ? "" : "sudo "}apt-get install -y ${DEBIAN_PACKAGE}` : "npx playwright install --with-deps chromium";
  return { ok: false, message: `No browser for the e2e tests and none could be installed: run \`${command}\`, then run the tests again.` };
}

function runShown(command: string, args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
    child.once("error", () => resolve(127));
    child.once("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

/** The finder with this machine's facts and the environment's overrides. */
export async function findBrowserHere(log: (line: string) => void): Promise<BrowserFound> {
  // Imported here: Playwright reads PLAYWRIGHT_BROWSERS_PATH when it loads.
  const { chromium } = await import("@playwright/test");
  const override = process.env.E2E_SYSTEM_BROWSERS;
  return findBrowser({
    playwrightPath: () => chromium.executablePath(),
    systemPaths: override !== undefined ? override.split(":").filter(Boolean) : DEFAULT_SYSTEM_BROWSERS,
    exists: (file) => fs.existsSync(file),
    run: runShown,
    mayInstall: process.env.E2E_BROWSER_INSTALL !== "0",
    isRoot: process.getuid?.() === 0,
    isDebian: fs.existsSync("/etc/debian_version"),
    log,
  });
}
