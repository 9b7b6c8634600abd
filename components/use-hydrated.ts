"use client";

import { useSyncExternalStore } from "react";

const never = () => () => {};

/**
 * False in the server's HTML and while React hydrates it, true once the page's script runs (and
 * at once for a component first rendered on the client). A form uses it to post through its
 * script only when there is one: before that, its HTML action (a server action) still works
 * without JavaScript.
 */
export function useHydrated(): boolean {
  return useSyncExternalStore(
    never,
    () => true,
    () => false,
  );
}
