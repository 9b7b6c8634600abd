import { describe, expect, it } from "vitest";
import { findBrowser, type BrowserFinderDeps } from "./find-browser";

/** A simulated machine: `files` exist, commands succeed when `works` says so and may create files. */
function machine(opts: { files?: string[]; works?: Record<string, string | false>; isRoot?: boolean; isDebian?: boolean; mayInstall?: boolean }) {
  const files = new Set(opts.files ?? []);
  const ran: string[] = [];
  const deps: BrowserFinderDeps = {
    playwrightPath: () => "/pw/chromium",
    systemPaths: ["/usr/bin/chromium-headless-shell", "/usr/bin/chromium"],
    exists: (f) => files.has(f),
    run: async (command, args) => {
      const line = [command, ...args].join(" ");
      ran.push(line);
      const creates = opts.works?.[line];
      if (creates === undefined || creates === false) return 1;
      if (creates) files.add(creates);
      return 0;
    },
    mayInstall: opts.mayInstall ?? true,
    isRoot: opts.isRoot ?? false,
    isDebian: opts.isDebian ?? true,
    log: () => {},
  };
  return { deps, ran };
}

const PW_INSTALL = "npx playwright install chromium";
const APT = "apt-get install -y --no-install-recommends chromium-headless-shell";

describe("findBrowser", () => {
  it("prefers Playwright's own browser, then the system's, without running anything", async () => {
    const both = machine({ files: ["/pw/chromium", "/usr/bin/chromium"] });
    expect(await findBrowser(both.deps)).toMatchObject({ ok: true, executablePath: "/pw/chromium" });
    const system = machine({ files: ["/usr/bin/chromium"] });
    expect(await findBrowser(system.deps)).toMatchObject({ ok: true, executablePath: "/usr/bin/chromium" });
    const shell = machine({ files: ["/usr/bin/chromium", "/usr/bin/chromium-headless-shell"] });
    expect(await findBrowser(shell.deps)).toMatchObject({ ok: true, executablePath: "/usr/bin/chromium-headless-shell" });
    expect([...both.ran, ...system.ran, ...shell.ran]).toEqual([]);
  });

  it("downloads Playwright's browser when it can", async () => {
    const m = machine({ works: { [PW_INSTALL]: "/pw/chromium" }, isRoot: true });
    expect(await findBrowser(m.deps)).toMatchObject({ ok: true, executablePath: "/pw/chromium" });
    expect(m.ran).toEqual([PW_INSTALL]);
  });

  it("as root on Debian without the CDN, installs Debian's headless shell", async () => {
    const m = machine({ works: { "apt-get update": "", [APT]: "/usr/bin/chromium-headless-shell" }, isRoot: true });
    expect(await findBrowser(m.deps)).toMatchObject({ ok: true, executablePath: "/usr/bin/chromium-headless-shell" });
    expect(m.ran).toEqual([PW_INSTALL, "apt-get update", APT]);
  });

  it("stops with one sentence naming the command when nothing works", async () => {
    const user = machine({ isRoot: false });
    const found = await findBrowser(user.deps);
    expect(found).toEqual({ ok: false, message: expect.stringContaining("`sudo apt-get install -y chromium-headless-shell`") });
    expect(user.ran).toEqual([PW_INSTALL]); // no apt-get without root

    const root = machine({ isRoot: true, works: { "apt-get update": "" } });
    expect(await findBrowser(root.deps)).toEqual({ ok: false, message: expect.stringContaining("`apt-get install -y chromium-headless-shell`") });

    const mac = machine({ isDebian: false });
    const r = await findBrowser(mac.deps);
    expect(r.ok === false && r.message).toMatch(/`npx playwright install --with-deps chromium`, then run the tests again\.$/);
  });

  it("E2E_BROWSER_INSTALL=0 never downloads or installs", async () => {
    const m = machine({ mayInstall: false, isRoot: true, works: { [PW_INSTALL]: "/pw/chromium" } });
    expect((await findBrowser(m.deps)).ok).toBe(false);
    expect(m.ran).toEqual([]);
  });
});
