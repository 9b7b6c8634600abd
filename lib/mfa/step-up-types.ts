/** What a step-up-guarded action answers when MFA is required (client-safe). */
export type StepUpRequired = {
  challengeId: string;
  description: string;
  factors: { id: string; name: string; description: string; verifyTitle: string }[];
};
