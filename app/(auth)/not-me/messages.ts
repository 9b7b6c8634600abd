import type { NotMeLinkState } from "@/lib/auth/devices";

/** What a customer reads about a "This wasn't me" link that cannot be used (page and action alike). */
export const NOT_ME_LINK_PROBLEMS: Record<Exclude<NotMeLinkState, "valid">, string> = {
  used: "This link was already used: your account was signed out everywhere then. If something still looks wrong, call the bank.",
  expired:
    "This link has expired (links last 7 days). If you still think someone else signed in, sign in and change your password on the Security page, or call the bank.",
  unknown: "This link is not valid. Open the link from the e-mail again, exactly as it was sent. If it still does not work, call the bank.",
};
