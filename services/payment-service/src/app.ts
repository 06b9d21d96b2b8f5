import { fileURLToPath } from "node:url";
import { createServiceApp, eventsPlugin, type Database, type EventBus, type ZodTypeProvider } from "@blessed-horizon/service-kit";
import type { FastifyInstance } from "fastify";
import { cachedCampaignClient, httpCampaignClient, type CampaignClient } from "./clients/campaigns.js";
import type { PaymentProvider } from "./clients/provider.js";
import { SandboxProvider } from "./clients/sandbox.js";
import { httpTrustClient, type TrustClient } from "./clients/trust.js";
import { SERVICE_NAME, SERVICE_VERSION, type PaymentConfig } from "./config.js";
import { campaignCacheConsumer } from "./consumers/campaign-cache.js";
import { reviewConsumer } from "./consumers/reviews.js";
import { registerDonationRoutes } from "./routes/donations.js";
import { registerLedgerRoutes } from "./routes/ledger.js";
import { registerWebhookRoutes } from "./routes/webhooks.js";
import { armCrashPoint } from "./service/crash-point.js";
import { startReconciler } from "./service/reconcile.js";
import { DecidedAtOnce } from "./service/reviews.js";

export const migrationsDir = fileURLToPath(new URL("../migrations", import.meta.url));

export interface PaymentAppDeps {
  config: PaymentConfig;
  db: Database;
  /** Without a bus, events stay in the outbox until a relay with a bus publishes them. */
  bus?: EventBus | undefined;
  provider?: PaymentProvider;
  campaigns?: CampaignClient;
  trust?: TrustClient;
  now?: () => Date;
}

/**
 * The payment-service app: the kit's app plus donations, refunds, ledger and
 * provider webhooks; the reconciler; with a bus, the outbox relay, the review
 * consumer and the campaign cache's consumer; all stopped when the app closes.
 */
export async function buildApp(deps: PaymentAppDeps): Promise<FastifyInstance> {
  const { config, db } = deps;
  const base = await createServiceApp({ name: SERVICE_NAME, version: SERVICE_VERSION, config, db, migrationsDir });
  const app = base.withTypeProvider<ZodTypeProvider>();
  const campaigns = cachedCampaignClient(deps.campaigns ?? httpCampaignClient(config.CAMPAIGN_SERVICE_URL), config.CAMPAIGN_CACHE_TTL_MS);
  const paymentDeps = {
    db,
    provider: deps.provider ?? new SandboxProvider(db),
    campaigns,
    trust: deps.trust ?? httpTrustClient(config.TRUST_SERVICE_URL, config.JWT_SECRET, { issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE }),
    cardSecret: config.CARD_FINGERPRINT_SECRET,
    outboxWritten: () => app.events.poke(),
    decidedAtOnce: new DecidedAtOnce(),
    ...(deps.now ? { now: deps.now } : {}),
  };
  registerDonationRoutes(app, { ...paymentDeps, maxDonationMinor: config.MAX_DONATION_MINOR, campaignCacheTtlMs: config.CAMPAIGN_CACHE_TTL_MS });
  registerLedgerRoutes(app, paymentDeps);
  registerWebhookRoutes(app, { ...paymentDeps, webhookSecret: config.PROVIDER_WEBHOOK_SECRET });
  await app.register(eventsPlugin, {
    db,
    bus: deps.bus,
    relay: { intervalMs: config.OUTBOX_POLL_MS, coalesceMs: config.OUTBOX_COALESCE_MS },
    consumers: [reviewConsumer(paymentDeps), campaignCacheConsumer(campaigns)],
  });

  armCrashPoint(config.NODE_ENV === "test" ? config.PAYMENT_TEST_CRASH_POINT : undefined);
  let reconciler: { stop(): Promise<void> } | undefined;
  app.addHook("onReady", () => {
    reconciler = startReconciler(paymentDeps, {
      intervalMs: config.RECONCILE_INTERVAL_MS, staleMs: config.RECONCILE_AFTER_MS, reviewWindowHours: config.REVIEW_WINDOW_HOURS,
    }, app.log);
    return Promise.resolve();
  });
  // Registered after the events plugin, so the reconciler stops first (onClose runs last to first).
  app.addHook("onClose", async () => {
    await reconciler?.stop();
  });
  return base;
}
