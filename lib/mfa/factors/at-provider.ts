import "server-only";
import { MESSAGES } from "@/lib/messages";
import type { FactorPlugin } from "./types";

/**
 * A provider's factor (a push, a code, a redirect) is set up at the provider — its own app or
 * the bank's back office — never on the bank's pages: nobody registers it here.
 */
export const enrolledAtProvider: Pick<FactorPlugin, "userCanRegister" | "registerData" | "register"> = {
  async userCanRegister() {
    return false;
  },
  async registerData() {
    return {};
  },
  async register() {
    return { ok: false, message: MESSAGES.setUpWithProvider };
  },
};
