import { createServiceApp, startOutboxRelay, subscribeDomainEvents, type Database, type EventBus, type Subscription } from "@blessed-horizon/service-kit";
import type { FastifyInstance } from "fastify";
import { fileURLToPath } from "node:url";
import { cachedCampaignClient, httpCampaignClient, type CampaignClient } from "./clients/campaigns.js";
import { httpTrustClient, type TrustClient } from "./clients/trust.js";
import type { PaymentConfig } from "./config.js";
import type { PaymentProvider } from "./providers/provider.js";
import { SandboxProvider } from "./providers/sandbox.js";
import { registerDonationRoutes } from "./routes/donations.js";
import { registerLedgerRoutes } from "./routes/ledger.js";
import type { PaymentApp } from "./routes/types.js";
import { registerWebhookRoutes } from "./routes/webhooks.js";
import { armCrashPoint } from "./service/crash-point.js";
import { startReconciler } from "./service/reconcile.js";
import { applyTrustDecision, DecidedAtOnce, REVIEW_CONSUMER } from "./service/reviews.js";

export const migrationsDir = fileURLToPath(new URL("../migrations", import.meta.url));
export const SERVICE_NAME = "payment-service";
export const SERVICE_VERSION = "0.1.0";
/** The consumer whose campaign events invalidate the campaign cache. */
export const CAMPAIGN_CACHE_CONSUMER = "payment-service.campaign-cache";

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
 * provider webhooks; the reconciler; with a bus, the outbox relay and the
 * review consumer; all stopped when the app closes.
 */
export async function buildApp(deps: PaymentAppDeps): Promise<FastifyInstance> {
  const { config, db, bus } = deps;
  const app = (await createServiceApp({ name: SERVICE_NAME, version: SERVICE_VERSION, config, db, migrationsDir })) as unknown as PaymentApp;
  const relay = bus ? startOutboxRelay(db, bus, { intervalMs: config.OUTBOX_POLL_MS, coalesceMs: config.OUTBOX_COALESCE_MS, onError: (err) => app.log.warn({ err }, "outbox relay failed; retrying") }) : undefined;
  const campaigns = cachedCampaignClient(deps.campaigns ?? httpCampaignClient(config.CAMPAIGN_SERVICE_URL), config.CAMPAIGN_CACHE_TTL_MS);
  const paymentDeps = {
    db,
    provider: deps.provider ?? new SandboxProvider(db),
    campaigns,
    trust: deps.trust ?? httpTrustClient(config.TRUST_SERVICE_URL, config.JWT_SECRET, { issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE }),
    cardSecret: config.CARD_FINGERPRINT_SECRET,
    outboxWritten: () => relay?.poke(),
    decidedAtOnce: new DecidedAtOnce(),
    ...(deps.now ? { now: deps.now } : {}),
  };
  registerDonationRoutes(app, { ...paymentDeps, maxDonationMinor: config.MAX_DONATION_MINOR, campaignCacheTtlMs: config.CAMPAIGN_CACHE_TTL_MS });
  registerLedgerRoutes(app, paymentDeps);
  registerWebhookRoutes(app, { ...paymentDeps, webhookSecret: config.PROVIDER_WEBHOOK_SECRET });

  armCrashPoint(config.NODE_ENV === "test" ? config.PAYMENT_TEST_CRASH_POINT : undefined);
  let subscription: Subscription | undefined;
  let campaignEvents: Subscription | undefined;
  let reconciler: { stop(): Promise<void> } | undefined;
  app.addHook("onReady", async () => {
    reconciler = startReconciler(paymentDeps, {
      intervalMs: config.RECONCILE_INTERVAL_MS, staleMs: config.RECONCILE_AFTER_MS, reviewWindowHours: config.REVIEW_WINDOW_HOURS,
    }, app.log);
    if (!bus) return;
    subscription = await subscribeDomainEvents(bus, {
      consumer: REVIEW_CONSUMER,
      types: ["trust.decision"],
      log: app.log,
      handle: (event) => applyTrustDecision(paymentDeps, event),
    });
    // A campaign that stops taking donations is asked about again on the next donation.
    campaignEvents = await subscribeDomainEvents(bus, {
      consumer: CAMPAIGN_CACHE_CONSUMER,
      types: ["campaign.paused", "campaign.ended", "campaign.suspended"],
      log: app.log,
      handle: (event) => Promise.resolve(campaigns.forget(event.data.campaignId)),
    });
  });
  app.addHook("onClose", async () => {
    await reconciler?.stop();
    await subscription?.unsubscribe();
    await campaignEvents?.unsubscribe();
    await relay?.stop();
  });
  return app;
}
