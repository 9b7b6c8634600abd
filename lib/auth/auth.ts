import "server-only";
import NextAuth, { type NextAuthConfig } from "next-auth";
import { getEnv } from "@/lib/env";
import { sessionCookieName } from "@/lib/security/headers";
import { ABSOLUTE_LIFETIME_HOURS } from "./sessions";

/** `__Host-mfa-bank.session` over https and in production, `mfa-bank.session` in local http runs. */
export function sessionCookie(): string {
  return sessionCookieName(getEnv().secureCookies);
}

/**
 * Auth.js carries the cookie; the database decides everything else. The JWT holds one claim,
 * `sid`, an opaque token whose hash keys a `sessions` row. Auth.js has no sign-in provider:
 * our own server actions start a session after they checked a password or an MFA code
 * (lib/auth/sessions.ts `startSession`) and write the cookie in Auth.js's format
 * (lib/auth/current.ts `setSessionCookie`), so there is no second password endpoint beside the
 * throttled, audited one in lib/auth/sign-in.ts, and no sign-in path through /api/auth.
 * Auth.js keeps the cookie's name and options, `signOut`, and the /api/auth routes.
 */
function config(): NextAuthConfig {
  const env = getEnv();
  return {
    secret: env.authSecret,
    trustHost: true,
    session: { strategy: "jwt", maxAge: ABSOLUTE_LIFETIME_HOURS * 3600 },
    pages: { signIn: "/login", error: "/login" },
    // Secure cookies make Auth.js use its own __Host-/__Secure- names for the CSRF and
    // callback cookies too.
    useSecureCookies: env.secureCookies,
    cookies: {
      sessionToken: {
        name: sessionCookieName(env.secureCookies),
        options: { httpOnly: true, sameSite: "lax", path: "/", secure: env.secureCookies },
      },
    },
    providers: [],
    callbacks: {
      // Only `setSessionCookie` sets `sid`. Anything a client POSTs to /api/auth/session
      // (trigger "update") is ignored: MFA state, role and user live in the DB.
      jwt({ token }) {
        return { sid: token.sid };
      },
      // /api/auth/session reveals nothing but the expiry; the sid stays in the httpOnly cookie.
      session({ session }) {
        return { expires: session.expires } as typeof session;
      },
    },
  };
}

export const { handlers, signOut } = NextAuth(config);
