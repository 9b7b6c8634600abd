/** What a step-up-guarded action answers when MFA is required (client-safe). */
export type StepUpRequired = {
  challengeId: string;
  description: string;
  /** Each factor with the verify data its Verify component needs for this challenge. */
  factors: { id: string; name: string; description: string; verifyTitle: string; data: unknown }[];
};
