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

export interface CachedCampaignClient extends CampaignClient {
  /** Forgets what is known of a campaign (its status changed: a `campaign.paused|ended|suspended` event). */
  forget(campaignId: string): void;
}

/**
 * Remembers for `ttlMs` that a campaign is active, so a stream of donations
 * to one campaign asks campaign-service about once per `ttlMs` instead of
 * once per donation; concurrent lookups of one campaign share one request.
 * Only an active answer is kept (a campaign just published is seen at once,
 * and errors are never cached). `forget` drops an entry: payment-service
 * calls it on the events that stop donations, so on this replica a pause
 * takes effect as soon as the event arrives, and on any replica within
 * `ttlMs` (README "Campaign cache"). `ttlMs` 0 turns the cache off.
 */
export function cachedCampaignClient(inner: CampaignClient, ttlMs: number, now: () => number = Date.now): CachedCampaignClient {
  const known = new Map<string, { campaign: CampaignSummary; until: number }>();
  const pending = new Map<string, Promise<CampaignSummary>>();
  // Bumped by forget: a lookup that started before an invalidation does not store its (possibly stale) answer.
  let generation = 0;
  return {
    async getActiveCampaign(campaignId) {
      if (ttlMs <= 0) return inner.getActiveCampaign(campaignId);
      const hit = known.get(campaignId);
      if (hit && hit.until > now()) return hit.campaign;
      const inFlight = pending.get(campaignId);
      if (inFlight) return inFlight;
      const started = generation;
      const lookup = inner.getActiveCampaign(campaignId).then(
        (campaign) => {
          if (generation === started) {
            if (known.size >= MAX_CACHED_CAMPAIGNS) known.clear();
            known.set(campaignId, { campaign, until: now() + ttlMs });
          }
          return campaign;
        },
      ).finally(() => pending.delete(campaignId));
      pending.set(campaignId, lookup);
      return lookup;
    },
    forget(campaignId) {
      known.delete(campaignId);
      pending.delete(campaignId);
      generation += 1;
    },
  };
}

/** A bound on the cache's memory; past it the cache starts over (a few ids per donation stream are all it ever needs). */
const MAX_CACHED_CAMPAIGNS = 10_000;
