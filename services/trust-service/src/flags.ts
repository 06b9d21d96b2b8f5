import { numberFlag } from "@blessed-horizon/service-kit";
import type { FlagDefinition } from "@blessed-horizon/service-kit";
import type { TrustConfig } from "./domain/config.js";

/**
 * trust-service's feature flags (keys in the environment's flags.flagd.json).
 * Coded defaults are the TRUST_* configuration, so without a flags file the
 * rules are exactly the configured ones.
 */
export function trustFlags(config: TrustConfig) {
  return {
    /**
     * `donor_campaign_velocity`'s limit per campaign: a telethon or a matching
     * drive, where donors legitimately give several times an hour, gets a
     * higher limit by campaign id without a release.
     */
    donorCampaignPerHour: numberFlag(
      "trust-donor-campaign-per-hour",
      config.donorCampaignPerHour,
      "attempts per hour from one donor to one campaign above which donor_campaign_velocity trips",
      { min: 0, max: 10_000, integer: true },
    ),
  } satisfies Record<string, FlagDefinition>;
}

export type TrustFlags = ReturnType<typeof trustFlags>;
