import { MoneySchema } from "@blessed-horizon/contracts";
import { ConflictError, NotFoundError, UnprocessableError } from "@blessed-horizon/service-kit";
import { z } from "zod";
import { callService } from "./http.js";

const CampaignSchema = z.object({
  id: z.string(),
  status: z.string(),
  organizerId: z.string().optional(),
  title: z.string().optional(),
  goal: MoneySchema.optional(),
});
export type CampaignSummary = z.infer<typeof CampaignSchema>;

export interface CampaignClient {
  /** The campaign if it accepts donations; NotFoundError / ConflictError (not active) otherwise. */
  getActiveCampaign(campaignId: string): Promise<CampaignSummary>;
}

/** Asks campaign-service (`GET /api/v1/campaigns/:id`, public) whether a campaign takes donations. */
export function httpCampaignClient(baseUrl: string): CampaignClient {
  return {
    async getActiveCampaign(campaignId) {
      const response = await callService("campaign-service", `${baseUrl.replace(/\/$/, "")}/api/v1/campaigns/${encodeURIComponent(campaignId)}`, {
        headers: { accept: "application/json" },
      });
      if (response.status === 404 || response.status === 400) {
        throw new NotFoundError(`campaign ${campaignId} does not exist`, { code: "BH_CAMPAIGN_NOT_FOUND" });
      }
      if (!response.ok) throw new UnprocessableError(`campaign-service refused campaign ${campaignId} (${response.status})`);
      const campaign = CampaignSchema.safeParse(await response.json());
      if (!campaign.success) throw new UnprocessableError(`campaign-service sent an unexpected campaign for ${campaignId}`);
      if (campaign.data.status.toLowerCase() !== "active") {
        throw new ConflictError(`campaign ${campaignId} is ${campaign.data.status.toLowerCase()} and does not accept donations`, { code: "BH_CAMPAIGN_NOT_ACTIVE" });
      }
      return campaign.data;
    },
  };
}
