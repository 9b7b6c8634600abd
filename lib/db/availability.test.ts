import { describe, expect, it } from "vitest";
import { isDatabaseUnavailable } from "./availability";

/** The errors a database restart or pg_terminate_backend really produces, as the layers wrap them. */
describe("isDatabaseUnavailable", () => {
  const pg = (code: string) => Object.assign(new Error("x"), { code });

  it("recognises postgres.js connection errors, socket errors and outage SQLSTATEs", () => {
    for (const code of ["CONNECTION_CLOSED", "CONNECTION_ENDED", "CONNECTION_DESTROYED", "CONNECT_TIMEOUT", "ECONNREFUSED", "ECONNRESET", "57P01", "57P02", "57P03", "08006", "08001"]) {
      expect(isDatabaseUnavailable(pg(code)), code).toBe(true);
    }
  });

  it("looks through drizzle's and Auth.js's wrappers", () => {
    const drizzle = Object.assign(new Error("Failed query: select 1"), { cause: pg("57P01") });
    expect(isDatabaseUnavailable(drizzle)).toBe(true);
    const authjs = Object.assign(new Error("CallbackRouteError"), { type: "CallbackRouteError", cause: { err: drizzle } });
    expect(isDatabaseUnavailable(authjs)).toBe(true);
  });

  it("does not mistake other failures for an outage", () => {
    for (const err of [pg("23505"), pg("40001"), pg("22P02"), new Error("boom"), null, undefined, "ECONNREFUSED", { code: 57 }]) {
      expect(isDatabaseUnavailable(err)).toBe(false);
    }
  });
});
