import { fileURLToPath } from "node:url";
import { createServiceApp, eventsPlugin, writeOutbox, type Database, type EventBus, type ServiceApp, type ZodTypeProvider } from "@blessed-horizon/service-kit";
import type { FastifyInstance } from "fastify";
import { Counter } from "prom-client";
import { createEmailChannel } from "./clients/email.js";
import { createWebhookChannel } from "./clients/webhook.js";
import { SERVICE_NAME, SERVICE_VERSION, unsubscribeSecret, type NotificationConfig } from "./config.js";
import { notificationConsumer } from "./consumers/notifications.js";
import { MAX_ATTEMPTS } from "./domain/retry.js";
import { registerDeadLetterRoutes } from "./routes/dead-letters.js";
import { registerRecipientRoutes } from "./routes/recipients.js";
import { registerUnsubscribeRoutes } from "./routes/unsubscribe.js";
import { startDispatcher, type Dispatcher } from "./service/dispatcher.js";

export const migrationsDir = fileURLToPath(new URL("../migrations", import.meta.url));

export interface NotificationAppDeps {
  config: NotificationConfig;
  db: Database;
  /** With a bus (the running service): the consumer, the dispatcher and the outbox relay. Without one, HTTP only (tests inject). */
  bus?: EventBus | undefined;
  /** Called when messages were queued again (a replay); by default the dispatcher looks now. */
  onQueued?: () => void;
  now?: () => Date;
}

/**
 * notification-service as a Fastify app: feeds, preferences, one-click
 * unsubscribe and dead letters on top of the kit; with a bus, the consumer of
 * donation and campaign events, the dispatcher sending email and webhooks
 * with retries, and the outbox relay publishing `notification.*`. Without
 * SMTP_URL email is record-only (nothing is sent).
 */
export async function buildApp(deps: NotificationAppDeps): Promise<FastifyInstance> {
  const { config, db } = deps;
  const base = await createServiceApp({
    name: SERVICE_NAME,
    version: SERVICE_VERSION,
    config,
    db,
    migrationsDir,
    description: "Receipts and notices by email, in-app feed and signed webhooks; preferences, one-click unsubscribe, dead letters.",
  });
  const app = base.withTypeProvider<ZodTypeProvider>();
  const dispatcher = deps.bus ? startDelivery(app, config, db) : undefined;
  const lookNow = () => dispatcher?.poke();
  registerRecipientRoutes(app, { db });
  registerUnsubscribeRoutes(app, { db, secret: unsubscribeSecret(config) });
  registerDeadLetterRoutes(app, { db, onReplay: deps.onQueued ?? lookNow, ...(deps.now ? { now: deps.now } : {}) });
  await app.register(eventsPlugin, { db, bus: deps.bus, consumers: [notificationConsumer({ db, onQueued: lookNow })] });
  // Registered after the events plugin, so it stops first (onClose runs last to first).
  app.addHook("onClose", async () => {
    await dispatcher?.stop();
  });
  return base;
}

/** The dispatcher over the email and webhook channels, counting outcomes in `notification_deliveries_total`; its email transport closes with the app. */
function startDelivery(app: ServiceApp, config: NotificationConfig, db: Database): Dispatcher {
  const email = createEmailChannel({ smtpUrl: config.SMTP_URL, from: config.NOTIFY_FROM, publicUrl: config.PUBLIC_URL, unsubscribeSecret: unsubscribeSecret(config) });
  if (email.mode === "record-only") app.log.info("SMTP_URL is not set: email is recorded, not sent (in-app feed and webhooks work as usual)");
  const deliveries = new Counter({
    name: "notification_deliveries_total",
    help: "Email and webhook delivery attempts by channel and outcome (sent, retrying, deadLettered)",
    labelNames: ["channel", "outcome"] as const,
    registers: [app.metrics.registry],
  });
  app.addHook("onClose", () => {
    email.close();
    return Promise.resolve();
  });
  return startDispatcher({
    db,
    senders: { email: email.send, webhook: createWebhookChannel(db, { timeoutMs: config.WEBHOOK_TIMEOUT_MS }) },
    writeEvent: writeOutbox,
    onDispatched: () => app.events.poke(),
    onOutcome: (channel, outcome) => deliveries.inc({ channel, outcome }),
    policy: { baseMs: config.NOTIFY_RETRY_BASE_MS, maxMs: config.NOTIFY_RETRY_MAX_MS, maxAttempts: MAX_ATTEMPTS },
    intervalMs: config.NOTIFY_POLL_MS,
    onError: (err) => app.log.error({ err }, "dispatch failed; retrying"),
  });
}
