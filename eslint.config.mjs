import next from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";

const config = [
  ...next,
  ...nextTs,
  // The in-app mock provider (mock-provider/, app/mock-provider/) is another system: the bank
  // reaches it over HTTP only. Its seeding entry point is the one import the bank's seed and
  // test pool may make; the bank's tests may also play its far side, never through app/.
  {
    files: ["lib/**/*.ts", "components/**/*.tsx", "app/**/*.ts", "app/**/*.tsx"],
    ignores: ["app/mock-provider/**", "lib/**/*.test.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["@/mock-provider/*", "!@/mock-provider/setup"], message: "The bank talks to the mock provider over HTTP only (docs/ARCHITECTURE.md)." },
            { group: ["@/app/mock-provider/*"], message: "The mock provider's pages are not the bank's code." },
          ],
        },
      ],
    },
  },
  {
    files: ["lib/**/*.test.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ group: ["@/app/mock-provider/*"], message: "Use mock-provider/ (the mock's server code), not its pages." }] }],
    },
  },
  { ignores: [".next/**", ".next-*/**", ".data/**", ".data-*/**", "node_modules/**", "test-results/**", "playwright-report/**", "next-env.d.ts"] },
];
export default config;
