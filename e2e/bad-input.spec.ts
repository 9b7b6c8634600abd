import type { APIResponse, Page } from "@playwright/test";
import { expect, formAlert, submitLogin, test, waitForHydration } from "./fixtures";

const GENERIC = "Incorrect username or password.";
const CHECK_FIELDS = "Please check the highlighted fields.";
/** What a Node stack trace or a leaked error page looks like in a response body. */
const LEAK = /\bat [\w$.<>]+ \(|node_modules|webpack-internal|\.next-e2e|Error: /;

function serverErrors(page: Page): string[] {
  const seen: string[] = [];
  page.on("response", (r) => {
    if (r.status() >= 500) seen.push(`${r.status()} ${r.request().method()} ${r.url()}`);
  });
  return seen;
}

async function openLogin(page: Page) {
  await page.goto("/login");
  await waitForHydration(page);
}

function expectLoginRedirect(res: APIResponse, label: string) {
  expect(res.status(), label).toBeGreaterThanOrEqual(300);
  expect(res.status(), label).toBeLessThan(400);
  const location = res.headers()["location"] ?? "";
  expect(new URL(location, "http://x.invalid").pathname, label).toBe("/login");
}

test("the sign-in form answers empty, oversized, unicode and missing fields with a form error", async ({ page }) => {
  const errors = serverErrors(page);

  await test.step("empty fields", async () => {
    await openLogin(page);
    await submitLogin(page, "", "");
    await expect(formAlert(page)).toHaveText(CHECK_FIELDS);
    await expect(page.getByText("Enter your username.")).toBeVisible();
    await expect(page.getByText("Enter your password.")).toBeVisible();
    await expect(page.getByLabel("Username")).toHaveAttribute("aria-invalid", "true");
  });

  await test.step("10 KB in both fields (past the input's maxlength)", async () => {
    await openLogin(page);
    await page.getByLabel("Username").evaluate((el) => el.removeAttribute("maxlength"));
    await submitLogin(page, "u".repeat(10_240), "p".repeat(10_240));
    await expect(formAlert(page)).toHaveText(CHECK_FIELDS);
    await expect(page.getByText("A username has at most 64 characters.")).toBeVisible();
    await expect(page.getByText("A password has at most 256 characters.")).toBeVisible();
  });

  await test.step("unicode username and password", async () => {
    await openLogin(page);
    await submitLogin(page, "𝓊𝓃𝒾𝒸ℴ𝒹ℯ-ユーザー-🚀\u202e", "пароль 🔑 ñ \u200b");
    await expect(formAlert(page)).toHaveText(GENERIC);
  });

  await test.step("missing fields (an input without a name is not submitted)", async () => {
    // Names are removed after filling: React sets an input's name again on every input event.
    const submitWithout = async (fields: ("Username" | "Password")[]) => {
      await openLogin(page);
      await page.getByLabel("Username").fill("someone");
      await page.getByLabel("Password").fill("something");
      for (const field of fields) await page.getByLabel(field).evaluate((el) => el.removeAttribute("name"));
      await page.getByRole("button", { name: "Sign in", exact: true }).click();
      await expect(formAlert(page)).toHaveText(CHECK_FIELDS);
    };
    await submitWithout(["Password"]);
    await submitWithout(["Username", "Password"]);
  });

  await test.step("no request failed with a server error", async () => {
    await expect(page).toHaveURL(/\/login/);
    expect(errors).toEqual([]);
  });
});

test("a garbage session cookie is treated as no session", async ({ request }) => {
  const garbage = {
    "plain text": "garbage",
    "JWE-shaped": "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2Q0JDLUhTNTEyIn0..AAAA.BBBB.CCCC",
    "4 KB": "A".repeat(4_000),
    "odd characters": "%00%ff%22%3Cscript%3E",
  };
  for (const [label, value] of Object.entries(garbage)) {
    await test.step(label, async () => {
      const res = await request.get("/dashboard", { headers: { cookie: `mfa-bank.session=${value}` }, maxRedirects: 0 });
      expectLoginRedirect(res, label);
    });
  }
});

test("a POST with a bogus Next-Action header gets a 4xx without internals", async ({ request }) => {
  const bogus = {
    garbage: "garbage",
    "hex, unknown": "7f".padEnd(42, "0"),
    empty: "",
    "path-like": "../../etc/passwd",
  };
  for (const [label, id] of Object.entries(bogus)) {
    await test.step(label, async () => {
      const res = await request.post("/login", {
        headers: { "Next-Action": id, "Content-Type": "text/plain;charset=UTF-8", Accept: "text/x-component" },
        data: '["$K1"]',
        maxRedirects: 0,
      });
      expect(res.status(), label).toBeGreaterThanOrEqual(400);
      expect(res.status(), label).toBeLessThan(500);
      expect(await res.text(), label).not.toMatch(LEAK);
    });
  }
});

test("x-middleware-subrequest does not skip the sign-in redirect", async ({ request }) => {
  const baseline = await test.step("no header", async () => {
    const res = await request.get("/dashboard", { maxRedirects: 0 });
    expectLoginRedirect(res, "baseline");
    return { status: res.status(), location: res.headers()["location"] };
  });

  for (const value of [
    "middleware:middleware:middleware:middleware:middleware",
    "proxy:proxy:proxy:proxy:proxy",
    "src/middleware:src/middleware:src/middleware:src/middleware:src/middleware",
  ]) {
    await test.step(value, async () => {
      const res = await request.get("/dashboard", { headers: { "x-middleware-subrequest": value }, maxRedirects: 0 });
      expect({ status: res.status(), location: res.headers()["location"] }).toEqual(baseline);
    });
  }
});
