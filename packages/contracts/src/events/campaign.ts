import { z } from "zod";
import { MoneySchema } from "../money.js";

const CampaignRef = {
  campaignId: z.string().min(1),
  organizerId: z.string().min(1),
};

/** A campaign went live and accepts donations. */
export const CampaignPublishedSchema = z.object({
  ...CampaignRef,
  title: z.string(),
  goal: MoneySchema,
});

/** A lifecycle change that stops (or resumes) donations; `reason` is free text for people. */
export const CampaignStatusChangedSchema = z.object({
  ...CampaignRef,
  reason: z.string().optional(),
});

/** The raised total reached the goal for the first time. */
export const CampaignGoalReachedSchema = z.object({
  ...CampaignRef,
  title: z.string().optional(),
  goal: MoneySchema,
  raised: MoneySchema,
});

export type CampaignPublished = z.infer<typeof CampaignPublishedSchema>;
export type CampaignStatusChanged = z.infer<typeof CampaignStatusChangedSchema>;
export type CampaignGoalReached = z.infer<typeof CampaignGoalReachedSchema>;
