"use client";

import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";

/**
 * The demo phone updates by itself: the page's server data is re-read every two
 * seconds while the tab is visible — a push appears without a Refresh button.
 */
export function LiveRefresh({ everyMs = 2000 }: { everyMs?: number }) {
  const router = useRouter();
  useEffect(() => {
    const t = setInterval(() => {
      if (document.visibilityState === "visible") router.refresh();
    }, everyMs);
    return () => clearInterval(t);
  }, [router, everyMs]);
  return null;
}

/** Now, ticking every second once mounted (null before: the server renders no clock). */
export function useNow(): number | null {
  const [now, setNow] = useState<number | null>(null);
  useEffect(() => {
    const tick = () => setNow(Date.now());
    const first = setTimeout(tick, 0);
    const t = setInterval(tick, 1000);
    return () => {
      clearTimeout(first);
      clearInterval(t);
    };
  }, []);
  return now;
}

const span = (s: number) => (s < 60 ? `${s} s` : `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")} min`);

/** "12 s ago · expires in 4:48 min", counted in the page; the server's word on the status wins. */
export function ItemAge({ createdAt, expiresAt, status }: { createdAt: string; expiresAt: string; status: string }) {
  const now = useNow();
  if (now === null) return <span>{status === "PENDING" ? "waiting" : status.toLowerCase()}</span>;
  const age = Math.max(0, Math.round((now - Date.parse(createdAt)) / 1000));
  const left = Math.ceil((Date.parse(expiresAt) - now) / 1000);
  const state = status !== "PENDING" ? (status === "SUCCESS" ? "used" : status.toLowerCase()) : left > 0 ? `expires in ${span(left)}` : "expired";
  return (
    <span>
      {span(age)} ago · {state}
    </span>
  );
}
