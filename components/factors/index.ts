import { RecoveryRegister, RecoveryVerify } from "./recovery";
import { TotpRegister, TotpVerify } from "./totp";
import type { FactorComponents } from "./types";

/** Client-side registry, keyed like lib/mfa/registry.ts: one line per factor. */
export const FACTOR_COMPONENTS: Record<string, FactorComponents> = {
  totp: { Verify: TotpVerify, Register: TotpRegister },
  recovery: { Verify: RecoveryVerify, Register: RecoveryRegister },
};
