import { numberFlag } from "@blessed-horizon/service-kit";
import type { FlagDefinition } from "@blessed-horizon/service-kit";

/**
 * campaign-service's feature flags (keys in the environment's
 * flags.flagd.json). The list cache TTL's coded default is LIST_CACHE_TTL_MS,
 * so without a flags file the service behaves as it did before flags.
 */
export function campaignFlags(listCacheTtlMs: number) {
  return {
    /** How long an anonymous list page may be served from memory; 0 turns the cache off for that request. */
    listCacheTtlMs: numberFlag("campaign-list-cache-ttl-ms", listCacheTtlMs, "milliseconds an anonymous public list page is served from memory (0: off)", {
      min: 0,
      max: 60_000,
      integer: true,
    }),
  } satisfies Record<string, FlagDefinition>;
}

export type CampaignFlags = ReturnType<typeof campaignFlags>;
