"use client";

import { useEffect, useState } from "react";

export type Deadline = { until: number; seconds: number } | null;

/** Makes a deadline from a server's "retry after" answer. */
export function deadlineFrom(retryAfterMs: number | undefined): Deadline {
  if (!retryAfterMs || retryAfterMs <= 0) return null;
  return { until: Date.now() + retryAfterMs, seconds: Math.ceil(retryAfterMs / 1000) };
}

/** Seconds left until the deadline, live (the backoff countdown); 0 once it has passed. */
export function useCountdown(deadline: Deadline): number {
  const [left, setLeft] = useState<{ for: Deadline; seconds: number } | null>(null);
  useEffect(() => {
    if (!deadline) return;
    const t = setInterval(() => {
      setLeft({ for: deadline, seconds: Math.max(0, Math.ceil((deadline.until - Date.now()) / 1000)) });
    }, 250);
    return () => clearInterval(t);
  }, [deadline]);
  if (!deadline) return 0;
  return left?.for === deadline ? left.seconds : deadline.seconds;
}
