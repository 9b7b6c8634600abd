/**
 * Response security headers, built per request by proxy.ts (pure functions: unit-tested in
 * headers.test.ts, no server-only imports so the proxy bundle can use them).
 *
 * The Content-Security-Policy uses a fresh nonce per request with 'strict-dynamic': Next reads
 * the nonce from the request's CSP header and puts it on its own inline bootstrap and chunk
 * scripts, and scripts those load are trusted through 'strict-dynamic'. An injected <script>
 * without the nonce does not run. 'unsafe-eval' only under `next dev` (React's dev tooling
 * needs it); a production build never sends it.
 */

export type CspOptions = {
  nonce: string;
  /** `next dev`: React's dev build evaluates code for its callstacks. */
  dev: boolean;
  /** The app is served over https: ask the browser to upgrade any stray http sub-resource. */
  https: boolean;
};

/** 128 random bits, base64 — unguessable and unique per response. */
export function newNonce(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

export function contentSecurityPolicy({ nonce, dev, https }: CspOptions): string {
  const directives: [string, ...string[]][] = [
    ["default-src", "'self'"],
    ["script-src", "'self'", `'nonce-${nonce}'`, "'strict-dynamic'", ...(dev ? ["'unsafe-eval'"] : [])],
    // Styles: the Tailwind stylesheet plus React's inline style attributes. Style injection
    // cannot run code; scripts are the boundary that matters.
    ["style-src", "'self'", "'unsafe-inline'"],
    // data: for the enrolment QR code (a PNG data URL rendered on the server).
    ["img-src", "'self'", "data:", "blob:"],
    ["font-src", "'self'"],
    ["connect-src", "'self'", ...(dev ? ["ws:"] : [])],
    ["object-src", "'none'"],
    ["base-uri", "'none'"],
    ["form-action", "'self'"],
    // Clickjacking: no page of the bank may be framed (X-Frame-Options: DENY for old browsers).
    ["frame-ancestors", "'none'"],
    ...(https ? ([["upgrade-insecure-requests"]] as [string][]) : []),
  ];
  return directives.map((d) => d.join(" ")).join("; ");
}

/** Headers every response carries (pages get the CSP from the proxy; see next.config.ts). */
export const STATIC_SECURITY_HEADERS: { key: string; value: string }[] = [
  { key: "X-Frame-Options", value: "DENY" },
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()" },
  { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
];

/** HSTS only over https: two years, subdomains included. */
export const HSTS = "max-age=63072000; includeSubDomains";

/**
 * The session cookie's name. Over https (and always with APP_ENV=production) it carries the
 * `__Host-` prefix: the browser then only accepts it with Secure, Path=/ and no Domain, so a
 * sibling subdomain or a plain-http response can never plant or overwrite it.
 */
export const SESSION_COOKIE_BASE = "mfa-bank.session";
export function sessionCookieName(secure: boolean): string {
  return secure ? `__Host-${SESSION_COOKIE_BASE}` : SESSION_COOKIE_BASE;
}
