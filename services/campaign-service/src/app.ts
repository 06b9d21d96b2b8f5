import { fileURLToPath } from "node:url";
import type { BaseConfig, Database, EventBus, ZodTypeProvider } from "@blessed-horizon/service-kit";
import { createServiceApp, eventsPlugin } from "@blessed-horizon/service-kit";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { SERVICE_NAME, SERVICE_VERSION } from "./config.js";
import { totalsConsumer } from "./consumers/totals.js";
import { trustDecisionConsumer } from "./consumers/trust-decisions.js";
import { campaignFlags } from "./flags.js";
import { ListCache } from "./routes/list-cache.js";
import { registerReadRoutes } from "./routes/read.js";
import { registerWriteRoutes } from "./routes/write.js";
import { CampaignService, recordCampaignEvents, type ChangeRecorder } from "./service/campaigns.js";

export const migrationsDir = fileURLToPath(new URL("../migrations", import.meta.url));

export interface AppDeps {
  config: BaseConfig & { LIST_CACHE_TTL_MS?: number };
  db: Database;
  /** Without a bus, events stay in the outbox and nothing is consumed (tests that only inject HTTP). */
  bus?: EventBus | undefined;
  logger?: Logger | undefined;
  /** Records each campaign change inside its transaction (the events outbox goes here). */
  recordChange?: ChangeRecorder | undefined;
}

/**
 * campaign-service as a Fastify app: the kit's app plus the campaign routes;
 * with a bus, the outbox relay and the consumers that keep totals from
 * donation events and suspend campaigns trust blocks. Tests use `inject`.
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const base = await createServiceApp({
    name: SERVICE_NAME,
    version: SERVICE_VERSION,
    description: "Campaigns of Blessed Horizon: lifecycle, listing and totals.",
    config: deps.config,
    db: deps.db,
    migrationsDir,
    logger: deps.logger,
  });
  const app = base.withTypeProvider<ZodTypeProvider>();
  const campaigns = new CampaignService(deps.db, deps.recordChange ?? recordCampaignEvents);
  const listCacheTtlMs = deps.config.LIST_CACHE_TTL_MS ?? 1_000;
  const listCache = new ListCache(listCacheTtlMs);
  registerReadRoutes(app, { db: deps.db, campaigns, listCache, flags: campaignFlags(listCacheTtlMs) });
  registerWriteRoutes(app, { campaigns, listCache });
  const forgetPages = () => listCache.clear();
  await app.register(eventsPlugin, {
    db: deps.db,
    bus: deps.bus,
    relay: { intervalMs: 100 },
    consumers: [totalsConsumer(deps.db, forgetPages), trustDecisionConsumer(deps.db, forgetPages)],
  });
  return base;
}
