"use client";

import { createContext } from "react";
import { MESSAGES } from "@/lib/messages";

/**
 * Inside the step-up dialog: keeps the form that asked for the step-up in this tab's
 * sessionStorage before a redirect-based provider takes the page away, so it can be sent again
 * with the grant the provider's callback mints (components/mfa/step-up.tsx `useStepUpForm`).
 * Returns the page path to come back to, or null outside a step-up.
 */
export const StepUpReturn = createContext<(() => string | null) | null>(null);

export const STEP_UP_RETURN_KEY = "mfa-bank:step-up-return";

/** What the bank says after a trip to a redirect-based provider (lib/mfa/redirect/routes.ts RETURN_CODES). */
export const REDIRECT_MESSAGES: Record<string, string> = {
  denied: MESSAGES.deniedAtProvider,
  canceled: "You left the provider's page without answering. Nothing was changed.",
  timeout: "That request timed out: you did not come back from the provider in time. Nothing was changed. Start a new one.",
  refused: "The provider's answer was refused: it was not valid for this request. Nothing was changed. Start a new one.",
  unavailable: MESSAGES.providerUnavailable,
  wait: "Please wait a few seconds before trying again.",
  locked: MESSAGES.locked,
  expired: MESSAGES.verificationGone,
};
