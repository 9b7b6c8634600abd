import type { UnlockLinkState } from "@/lib/auth/unlock";

/** What a customer reads about a link that cannot unlock any more (page and action alike). */
export const UNLOCK_LINK_PROBLEMS: Record<Exclude<UnlockLinkState, "valid">, string> = {
  used: "This unlock link was already used. If your account is locked again, the newest lock e-mail has a new link.",
  expired: "This unlock link has expired (links last one hour). Call the bank to unlock your account.",
  superseded: "A newer unlock link replaced this one. Use the link in the newest lock e-mail.",
  unknown: "This unlock link is not valid. Open the link from the e-mail again, exactly as it was sent.",
};
