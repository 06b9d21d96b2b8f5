import { fileURLToPath } from "node:url";
import type { BaseConfig, Database, EventBus } from "@blessed-horizon/service-kit";
import { createServiceApp } from "@blessed-horizon/service-kit";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import type { ChangeRecorder } from "./campaigns.js";
import { CampaignService } from "./campaigns.js";
import { SERVICE_NAME, SERVICE_VERSION } from "./config.js";
import { recordCampaignEvents, startCampaignEvents } from "./events.js";
import { campaignFlags } from "./flags.js";
import { ListCache } from "./routes/list-cache.js";
import { registerReadRoutes } from "./routes/read.js";
import { registerWriteRoutes } from "./routes/write.js";

export const migrationsDir = fileURLToPath(new URL("../migrations", import.meta.url));

export interface AppDeps {
  config: BaseConfig & { LIST_CACHE_TTL_MS?: number };
  db: Database;
  bus?: EventBus | undefined;
  logger?: Logger | undefined;
  /** Records each campaign change inside its transaction (the events outbox goes here). */
  recordChange?: ChangeRecorder | undefined;
}

/** campaign-service as a Fastify app: the kit's app plus the campaign routes. Tests use `inject`. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = await createServiceApp({
    name: SERVICE_NAME,
    version: SERVICE_VERSION,
    description: "Campaigns of Blessed Horizon: lifecycle, listing and totals.",
    config: deps.config,
    db: deps.db,
    migrationsDir,
    logger: deps.logger,
  });
  const campaigns = new CampaignService(deps.db, deps.recordChange ?? recordCampaignEvents);
  const listCacheTtlMs = deps.config.LIST_CACHE_TTL_MS ?? 1_000;
  const listCache = new ListCache(listCacheTtlMs);
  registerReadRoutes(app, { db: deps.db, campaigns, listCache, flags: campaignFlags(listCacheTtlMs) });
  registerWriteRoutes(app, { campaigns, listCache });
  startCampaignEvents(app, { db: deps.db, bus: deps.bus, onApplied: () => listCache.clear() });
  return app;
}
