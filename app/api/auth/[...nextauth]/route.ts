import type { NextRequest } from "next/server";
import { handlers } from "@/lib/auth/auth";

/**
 * Auth.js's routes. Auth.js answers a `callbackUrl` (query or `authjs.callback-url` cookie)
 * that is not an http(s) URL with a 500 "server configuration" error (@auth/core
 * assertConfig); it is the client's mistake, so it gets a 400 here first (found by the fuzz
 * suite, e2e/fuzz/). The app itself never sends a callbackUrl to these routes.
 */
function httpUrl(value: string, origin: string): boolean {
  try {
    return /^https?:$/.test(new URL(value, value.startsWith("/") ? origin : undefined).protocol);
  } catch {
    return false;
  }
}

function decoded(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function badCallbackUrl(req: NextRequest): boolean {
  const origin = req.nextUrl.origin;
  const values = [
    ...req.nextUrl.searchParams.getAll("callbackUrl"),
    ...req.cookies
      .getAll()
      .filter((c) => /(^|\.)authjs\.callback-url$/.test(c.name))
      .flatMap((c) => [c.value, decoded(c.value)]),
  ];
  return values.some((v) => v !== "" && !httpUrl(v, origin));
}

const badRequest = () => Response.json("Bad request.", { status: 400 });

export function GET(req: NextRequest) {
  return badCallbackUrl(req) ? badRequest() : handlers.GET(req);
}

export function POST(req: NextRequest) {
  return badCallbackUrl(req) ? badRequest() : handlers.POST(req);
}
