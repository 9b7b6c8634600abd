import type { NextConfig } from "next";
import { STATIC_SECURITY_HEADERS } from "./lib/security/headers";

// The Content-Security-Policy (a fresh nonce per request) and HSTS come from proxy.ts.
const securityHeaders = STATIC_SECURITY_HEADERS;

const nextConfig: NextConfig = {
  // PGlite loads its WASM and data files from its own package folder: bundling it breaks
  // the first query at runtime ("Received an instance of URL"). See docs/ARCHITECTURE.md.
  serverExternalPackages: ["@electric-sql/pglite", "@node-rs/argon2"],
  poweredByHeader: false,
  // On unless COMPRESS_RESPONSES=0: behind a reverse proxy that compresses, compressing here
  // too costs CPU for nothing (README, Production). Read when the server starts.
  compress: process.env.COMPRESS_RESPONSES !== "0",
  // (No typescript.ignoreBuildErrors: a type error fails `next build`, so a deploy that skips
  // `npm run typecheck` still never ships code that does not type-check.)
  // Each e2e run builds into its own folder so a parallel `next dev` is never disturbed.
  distDir: process.env.NEXT_DIST_DIR || ".next",
  async headers() {
    return [
      { source: "/:path*", headers: securityHeaders },
      // A reset or unlock link's token must never leave in a Referer header.
      { source: "/reset-password/:path*", headers: [{ key: "Referrer-Policy", value: "no-referrer" }] },
      { source: "/reset-password", headers: [{ key: "Referrer-Policy", value: "no-referrer" }] },
      { source: "/unlock", headers: [{ key: "Referrer-Policy", value: "no-referrer" }] },
      { source: "/((?!reset-password|unlock).*)", headers: [{ key: "Referrer-Policy", value: "same-origin" }] },
    ];
  },
};

export default nextConfig;
