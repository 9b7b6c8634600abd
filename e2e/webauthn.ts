import type { CDPSession, Page } from "@playwright/test";
import { expect, waitForHydration } from "./fixtures";

/**
 * A passkey on a virtual authenticator: Chromium's WebAuthn domain over CDP. It answers every
 * ceremony by itself (user present and verified), like a phone whose owner unlocks it.
 * WebAuthn refuses an IP address as RP ID, so these specs run on http://localhost.
 */
export type VirtualAuthenticator = { cdp: CDPSession; id: string; remove: () => Promise<void>; credentials: () => Promise<{ credentialId: string; signCount: number }[]> };

export async function addVirtualAuthenticator(page: Page): Promise<VirtualAuthenticator> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return {
    cdp,
    id: authenticatorId,
    remove: async () => {
      await cdp.send("WebAuthn.removeVirtualAuthenticator", { authenticatorId });
    },
    credentials: async () => (await cdp.send("WebAuthn.getCredentials", { authenticatorId })).credentials,
  };
}

/** Adds a passkey named `name` from the Security page (presence must be fresh), on the page's virtual authenticator. */
export async function addPasskey(page: Page, name: string) {
  await page.goto("/security");
  await waitForHydration(page);
  // A chooser only when the group offers several methods to add (this user has TOTP already).
  const choice = page.getByRole("radio", { name: /^Passkey/ });
  if (await choice.count()) await choice.check();
  await page.getByLabel("Name (optional)").fill(name);
  await page.getByRole("button", { name: "Create passkey" }).click();
  await expect(page.getByRole("main").getByRole("status").filter({ hasText: "Passkey added." })).toBeVisible();
  await expect(page.getByRole("list", { name: "Your methods" }).getByText(name, { exact: true })).toBeVisible();
}
