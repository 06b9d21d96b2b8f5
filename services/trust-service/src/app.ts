import { fileURLToPath } from "node:url";
import { createServiceApp, eventsPlugin, writeOutbox, type Database, type EventBus, type ZodTypeProvider } from "@blessed-horizon/service-kit";
import type { FastifyInstance } from "fastify";
import { Counter } from "prom-client";
import { SERVICE_NAME, SERVICE_VERSION, trustRules, type TrustServiceConfig } from "./config.js";
import { trustSignalsConsumer } from "./consumers/trust-signals.js";
import { trustFlags } from "./flags.js";
import { registerAssessmentRoutes } from "./routes/assessments.js";
import { registerReviewRoutes } from "./routes/reviews.js";
import { registerSuspendedAssetRoutes } from "./routes/suspended-assets.js";

export const migrationsDir = fileURLToPath(new URL("../migrations", import.meta.url));

export interface TrustAppDeps {
  /** The kit's settings and the rules' `TRUST_*` thresholds and weights. */
  config: TrustServiceConfig;
  db: Database;
  /** With a bus (the running service): the outbox relay publishing `trust.decision` and the consumer of donation outcomes and published campaigns. */
  bus?: EventBus | undefined;
  /** Called after a commit that wrote an event; by default the outbox relay publishes it now rather than at its next poll. */
  onEvent?: () => void;
  now?: () => Date;
}

/** trust-service as a Fastify app: assessments, the review queue and suspended assets on top of the kit, and with a bus its events. */
export async function buildApp(deps: TrustAppDeps): Promise<FastifyInstance> {
  const { config, db } = deps;
  const rules = trustRules(config);
  const base = await createServiceApp({
    name: SERVICE_NAME,
    version: SERVICE_VERSION,
    config,
    db,
    migrationsDir,
    description: `Risk assessment of donations and campaigns (score 0-100; review from ${rules.reviewFrom}, block from ${rules.blockFrom}), review queue, suspended assets.`,
  });
  const app = base.withTypeProvider<ZodTypeProvider>();
  const decisions = new Counter({
    name: "trust_assessments_total",
    help: "Assessments by kind and decision",
    labelNames: ["kind", "decision"] as const,
    registers: [app.metrics.registry],
  });
  const common = { db, writeEvent: writeOutbox, onEvent: deps.onEvent ?? (() => app.events.poke()), ...(deps.now ? { now: deps.now } : {}) };
  registerAssessmentRoutes(app, { ...common, config: rules, decisions, flags: trustFlags(rules) });
  registerReviewRoutes(app, common);
  registerSuspendedAssetRoutes(app, { db });
  await app.register(eventsPlugin, {
    db,
    bus: deps.bus,
    // A poke waits 50 ms, so the trust.decision events of the assessments committed meanwhile share one relay transaction.
    relay: { coalesceMs: 50 },
    consumers: [trustSignalsConsumer({ db, config: rules })],
  });
  return base;
}
