import { baseConfigSchema } from "@blessed-horizon/service-kit";
import type { z } from "zod";
import { z as zod } from "zod";

export const SERVICE_NAME = "campaign-service";
export const SERVICE_VERSION = "0.1.0";

/** campaign-service settings: the kit's, plus how long anonymous list pages may be cached. */
export const campaignConfigSchema = baseConfigSchema.extend({
  LIST_CACHE_TTL_MS: zod.coerce.number().int().min(0).max(60_000).default(1_000),
});

export type CampaignConfig = Omit<z.infer<typeof campaignConfigSchema>, "JWT_SECRET"> & { JWT_SECRET: string };

export const CAMPAIGN_DEFAULTS = { PORT: "8081", DATA_DIR: `.data/${SERVICE_NAME}` } as const;
