import { fileURLToPath } from "node:url";
import { createServiceApp, writeOutbox, type BaseConfig, type Database, type ZodTypeProvider } from "@blessed-horizon/service-kit";
import type { FastifyInstance } from "fastify";
import { Counter } from "prom-client";
import type { TrustConfig } from "./domain/config.js";
import { trustFlags } from "./flags.js";
import { registerAssessmentRoutes } from "./routes/assessments.js";
import { registerReviewRoutes } from "./routes/reviews.js";
import { registerSuspendedAssetRoutes } from "./routes/suspended-assets.js";

export const SERVICE_NAME = "trust-service";
export const SERVICE_VERSION = "0.1.0";
export const migrationsDir = fileURLToPath(new URL("../migrations", import.meta.url));

export interface TrustAppDeps {
  config: BaseConfig;
  db: Database;
  /** Rule thresholds and weights (`trustConfigFromEnv`). */
  trust: TrustConfig;
  /** Called after a commit that wrote an event, so the outbox relay publishes it now rather than at its next poll. */
  onEvent?: () => void;
  now?: () => Date;
}

/** The trust-service HTTP app: assessments, the review queue and suspended assets on top of the kit. */
export async function buildApp(deps: TrustAppDeps): Promise<FastifyInstance> {
  const base = await createServiceApp({
    name: SERVICE_NAME,
    version: SERVICE_VERSION,
    config: deps.config,
    db: deps.db,
    migrationsDir,
    description: "Risk assessment of donations and campaigns (score 0-100; review from 65, block from 75), review queue, suspended assets.",
  });
  const app = base.withTypeProvider<ZodTypeProvider>();
  const decisions = new Counter({
    name: "trust_assessments_total",
    help: "Assessments by kind and decision",
    labelNames: ["kind", "decision"] as const,
    registers: [app.metrics.registry],
  });
  const onEvent = deps.onEvent ?? (() => undefined);
  const common = { db: deps.db, writeEvent: writeOutbox, onEvent, ...(deps.now ? { now: deps.now } : {}) };
  registerAssessmentRoutes(app, { ...common, config: deps.trust, decisions, flags: trustFlags(deps.trust) });
  registerReviewRoutes(app, common);
  registerSuspendedAssetRoutes(app, { db: deps.db });
  return base;
}
