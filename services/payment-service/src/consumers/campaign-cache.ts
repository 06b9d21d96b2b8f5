import type { EventConsumer } from "@blessed-horizon/service-kit";
import type { CachedCampaignClient } from "../clients/campaigns.js";

/** The consumer whose campaign events invalidate the campaign cache. */
export const CAMPAIGN_CACHE_CONSUMER = "payment-service.campaign-cache";

/** A campaign that stops taking donations is asked about again on the next donation. */
export function campaignCacheConsumer(campaigns: Pick<CachedCampaignClient, "forget">): EventConsumer<"campaign.paused" | "campaign.ended" | "campaign.suspended"> {
  return {
    consumer: CAMPAIGN_CACHE_CONSUMER,
    types: ["campaign.paused", "campaign.ended", "campaign.suspended"],
    handle: (event) => Promise.resolve(campaigns.forget(event.data.campaignId)),
  };
}
