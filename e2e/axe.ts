import { createRequire } from "node:module";
import type { Page } from "@playwright/test";
import { expect } from "./fixtures";

/**
 * axe-core in the page, without @axe-core/playwright (it needs Node ≥ 22.12; this project
 * runs on Node 20): inject axe-core's own axe.min.js with page.addScriptTag and call
 * `axe.run()`. The bank's CSP refuses inline scripts without the response's nonce, so specs
 * using this set `bypassCSP: true` (e2e/accessibility.spec.ts).
 */
const AXE_SCRIPT = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

type AxeNode = { target: unknown[]; failureSummary?: string };
type AxeViolation = { id: string; impact: string | null; help: string; nodes: AxeNode[] };

/**
 * Every rule axe runs by default — WCAG 2.0/2.1/2.2 A and AA and axe's best practices, such as
 * `region` — at any impact, minor included. The message lists each violation with its elements.
 */
export async function expectNoAxeViolations(page: Page, state: string): Promise<void> {
  if (!(await page.evaluate(() => "axe" in window))) await page.addScriptTag({ path: AXE_SCRIPT });
  // axe reads computed colours: a button still fading back in after a submit (a 150 ms
  // opacity transition) measured as low contrast on a fast run. Settle every transition
  // and animation first, so what is checked is what the page comes to rest on.
  if (!(await page.evaluate(() => Boolean(document.getElementById("axe-settle"))))) {
    const style = await page.addStyleTag({ content: "*, *::before, *::after { transition: none !important; animation: none !important; }" });
    await style.evaluate((el) => (el as Element).setAttribute("id", "axe-settle"));
  }
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })),
    }));
  });
  const report = violations
    .map((v) => `${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((n) => `    ${JSON.stringify(n.target)} — ${(n.failureSummary ?? "").replace(/\s+/g, " ")}`).join("\n")}`)
    .join("\n");
  expect.soft(violations, `axe on ${state} (${new URL(page.url()).pathname}):\n${report}`).toEqual([]);
}
