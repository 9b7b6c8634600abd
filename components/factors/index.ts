import { ExternalRegister, ExternalVerify } from "./external";
import { RedirectRegister, RedirectVerify } from "./external-redirect";
import { PasskeyRegister, PasskeyVerify } from "./passkey";
import { RecoveryRegister, RecoveryVerify } from "./recovery";
import { TotpRegister, TotpVerify } from "./totp";
import type { FactorComponents } from "./types";

/** Client-side registry, keyed like lib/mfa/registry.ts: one line per factor. */
export const FACTOR_COMPONENTS: Record<string, FactorComponents> = {
  totp: { Verify: TotpVerify, Register: TotpRegister },
  passkey: { Verify: PasskeyVerify, Register: PasskeyRegister },
  recovery: { Verify: RecoveryVerify, Register: RecoveryRegister },
};

const EXTERNAL: FactorComponents = { Verify: ExternalVerify, Register: ExternalRegister };
const REDIRECT: FactorComponents = { Verify: RedirectVerify, Register: RedirectRegister };

/** External factors are "prefix:capability" (lib/mfa/factors/external.ts): one component serves them all. */
export function factorComponents(id: string): FactorComponents | undefined {
  if (/^[a-z0-9_-]+:redirect$/.test(id)) return REDIRECT;
  return FACTOR_COMPONENTS[id] ?? (/^[a-z0-9_-]+:[a-z_]+$/.test(id) ? EXTERNAL : undefined);
}
