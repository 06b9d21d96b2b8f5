import { CurrencySchema } from "@blessed-horizon/contracts";
import { z } from "zod";
import type { Campaign } from "../domain/campaign.js";
import { CAMPAIGN_STATUSES } from "../domain/campaign.js";

export const MAX_PAGE_SIZE = 100;

const Text = (max: number) => z.string().trim().min(1, "must not be empty").max(max, `must be at most ${max} characters`);

export const GoalSchema = z.strictObject({
  amount: z
    .number()
    .int("must be an integer number of minor units (cents)")
    .min(1, "must be at least 1 minor unit")
    .max(Number.MAX_SAFE_INTEGER),
  currency: CurrencySchema,
});

export const CreateCampaignBody = z.strictObject({
  title: Text(200),
  story: Text(20_000),
  beneficiary: Text(200),
  goal: GoalSchema,
});

export const EditCampaignBody = z
  .strictObject({
    title: Text(200).optional(),
    story: Text(20_000).optional(),
    beneficiary: Text(200).optional(),
    goal: GoalSchema.optional(),
  })
  .refine((edit) => Object.values(edit).some((value) => value !== undefined), "give at least one of title, story, beneficiary, goal");

export const IdParams = z.object({ id: z.string() });

export const ListQuerystring = z.object({
  status: z.enum(CAMPAIGN_STATUSES).optional(),
  organizerId: z.string().min(1).max(200).optional(),
  cursor: z.string().min(1).max(200).optional(),
  limit: z.coerce.number().int("must be an integer").min(1).max(MAX_PAGE_SIZE, `must be at most ${MAX_PAGE_SIZE}`).default(20),
});

export const CampaignSchema = z.object({
  id: z.uuid(),
  organizerId: z.string(),
  title: z.string(),
  story: z.string(),
  beneficiary: z.string(),
  goal: GoalSchema,
  status: z.enum(CAMPAIGN_STATUSES),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type CampaignJson = z.infer<typeof CampaignSchema>;

export const CampaignPageSchema = z.object({
  data: z.array(CampaignSchema),
  nextCursor: z.string().nullable().describe("pass as `cursor` for the next page; null on the last page"),
});

export const TotalsSchema = z.object({
  campaignId: z.uuid(),
  raised: GoalSchema.extend({ amount: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).describe("exact: a total past 2^53 - 1 is never written (donation events that would pass it are not applied)") }),
  donationCount: z.number().int().min(0),
  goal: GoalSchema,
  percent: z.number().describe("raised / goal in percent, two decimals, rounded down"),
});

export function toJson(campaign: Campaign): CampaignJson {
  return {
    id: campaign.id,
    organizerId: campaign.organizerId,
    title: campaign.title,
    story: campaign.story,
    beneficiary: campaign.beneficiary,
    goal: campaign.goal,
    status: campaign.status,
    createdAt: campaign.createdAt.toISOString(),
    updatedAt: campaign.updatedAt.toISOString(),
  };
}
