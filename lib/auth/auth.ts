import "server-only";
import NextAuth, { type NextAuthConfig } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { z } from "zod";
import { getDb } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { sessionCookieName } from "@/lib/security/headers";
import { ABSOLUTE_LIFETIME_HOURS, redeemHandoff } from "./sessions";

/** `__Host-mfa-bank.session` over https and in production, `mfa-bank.session` in local http runs. */
export function sessionCookie(): string {
  return sessionCookieName(getEnv().secureCookies);
}

/**
 * Auth.js carries the cookie; the database decides everything else. The JWT holds one claim,
 * `sid`, an opaque token whose hash keys a `sessions` row. Its only provider redeems a one-time
 * handoff minted by our own server actions after they checked a password or an MFA code, so
 * there is no second password endpoint beside the throttled, audited one in lib/auth/sign-in.ts.
 */
const handoffSchema = z.object({ handoff: z.string().min(20).max(100) });

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
    providers: [
      Credentials({
        id: "handoff",
        name: "Session handoff",
        credentials: { handoff: {} },
        async authorize(credentials) {
          const parsed = handoffSchema.safeParse(credentials);
          if (!parsed.success) return null;
          const token = await redeemHandoff(await getDb(), parsed.data.handoff);
          return token ? { id: token } : null;
        },
      }),
    ],
    callbacks: {
      // Only the sign-in that redeemed a handoff sets `sid`. Anything a client POSTs to
      // /api/auth/session (trigger "update") is ignored: MFA state, role and user live in the DB.
      jwt({ token, user, trigger }) {
        if (trigger === "signIn" && user?.id) return { sid: user.id };
        return { sid: token.sid };
      },
      // /api/auth/session reveals nothing but the expiry; the sid stays in the httpOnly cookie.
      session({ session }) {
        return { expires: session.expires } as typeof session;
      },
    },
  };
}

export const { handlers, signIn, signOut } = NextAuth(config);
