import { z } from "zod";

/** trust-service assessed a donation or a campaign. */
export const TrustDecisionSchema = z.object({
  assessmentId: z.string().min(1),
  kind: z.enum(["donation", "campaign"]),
  subjectId: z.string().min(1),
  campaignId: z.string().optional(),
  score: z.number().int().min(0).max(100),
  decision: z.enum(["allow", "review", "block"]),
  reasons: z.array(z.string()),
});

export type TrustDecision = z.infer<typeof TrustDecisionSchema>;
