// The audit writer lives in lib/audit.ts. This path stays only for the sign-in path's modules
// (lockout, verify, the /mfa and step-up actions) until they import lib/audit.ts themselves.
export { audit } from "@/lib/audit";
