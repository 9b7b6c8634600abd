"use client";

import { useEffect } from "react";

/**
 * A notice carried in the query string ("?signedOut=1", "?changed=1") is said once: after the
 * page has shown it, the address loses the flag, so a reload or a bookmark does not repeat it.
 * history.replaceState changes the address without asking the server again.
 */
export function ForgetNoticeFlag({ names }: { names: string[] }) {
  useEffect(() => {
    const url = new URL(window.location.href);
    if (!names.some((n) => url.searchParams.has(n))) return;
    for (const n of names) url.searchParams.delete(n);
    window.history.replaceState(null, "", url.pathname + url.search + url.hash);
  }, [names]);
  return null;
}
