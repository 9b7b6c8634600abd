import { z } from "zod";

/**
 * The external MFA provider contract (docs/PROVIDER-CONTRACT.md), after IBM Verify's external
 * MFA webhook resources. Every response the app receives is parsed with these schemas: an
 * unknown status or a missing field is a provider fault, never a guess.
 */
export const CAPABILITIES = ["mobile_push", "sms_otp", "voice_otp", "email_otp"] as const;
export type Capability = (typeof CAPABILITIES)[number];
export const capabilitySchema = z.enum(CAPABILITIES);

export const STATUSES = ["PENDING", "SUCCESS", "FAILED", "CANCELED", "TIMEOUT"] as const;
export type TransactionStatus = (typeof STATUSES)[number];
export const statusSchema = z.enum(STATUSES);
/** Terminal states are final: a provider never moves a transaction out of one. */
export const isTerminal = (s: TransactionStatus) => s !== "PENDING";

/** POST {base}/oauth/token (client_credentials) → 200 */
export const tokenResponseSchema = z.object({
  access_token: z.string().min(16).max(512),
  token_type: z.string().regex(/^bearer$/i),
  expires_in: z.number().int().positive().max(86_400),
});

/** GET {base}/v1/enrollments?uniqueName=… → 200 */
export const enrollmentSchema = z.object({
  id: z.string().min(1).max(128),
  capability: capabilitySchema,
  /** Masked by the provider: "••••1234", "c•••@example.com", "Pixel 8". */
  maskedTarget: z.string().min(1).max(128),
});
export const enrollmentsResponseSchema = z.object({
  uniqueName: z.string().min(1).max(254),
  enrollments: z.array(enrollmentSchema).max(50),
});
export type Enrollment = z.infer<typeof enrollmentSchema>;

/** POST {base}/v1/mfa (initiate) body */
export const initiateRequestSchema = z.object({
  uniqueName: z.string().min(1).max(254),
  capability: capabilitySchema,
  enrollmentId: z.string().min(1).max(128),
  /** Asked-for life of a push (the provider may shorten it). */
  expiresInSeconds: z.number().int().min(5).max(600).optional(),
});
export type InitiateRequest = z.infer<typeof initiateRequestSchema>;

const transactionId = z.string().min(8).max(128);

/** POST {base}/v1/mfa → 201 */
export const initiateResponseSchema = z.object({
  transactionId,
  status: statusSchema,
  expiresAt: z.iso.datetime({ offset: true }),
  /** mobile_push only: the 2-digit number the app shows and the user picks on the device. */
  numberToMatch: z.number().int().min(10).max(99).optional(),
});
export type InitiateResponse = z.infer<typeof initiateResponseSchema>;

/** POST {base}/v1/mfa/validate body */
export const validateRequestSchema = z.object({ transactionId, code: z.string().min(1).max(32) });

/** POST {base}/v1/mfa/validate → 200; GET {base}/v1/mfa/transactions/{id} → 200; POST …/{id}/cancel → 200 */
export const transactionResponseSchema = z.object({
  transactionId,
  uniqueName: z.string().min(1).max(254),
  capability: capabilitySchema,
  status: statusSchema,
});
export type TransactionResponse = z.infer<typeof transactionResponseSchema>;

/** Every error body: { error, message? } */
export const errorResponseSchema = z.object({ error: z.string(), message: z.string().optional() });
