import { Counter } from "prom-client";
import { bootService, createEventBus, startOutboxRelay, writeOutbox, type RunningService, type StartOptions } from "@blessed-horizon/service-kit";
import { buildApp, migrationsDir, SERVICE_NAME } from "./app.js";
import { createEmailChannel } from "./channels/email.js";
import { createWebhookChannel } from "./channels/webhook.js";
import { notificationConfigSchema, unsubscribeSecret } from "./config.js";
import { subscribeNotificationEvents } from "./consumers.js";
import { startDispatcher } from "./dispatch/dispatcher.js";
import { MAX_ATTEMPTS } from "./domain/retry.js";

/**
 * Starts notification-service (port 8083): database and migrations, the HTTP
 * app, the consumer of donation and campaign events, the dispatcher sending
 * email and webhooks with retries, and the outbox relay publishing
 * `notification.*`. Without SMTP_URL email is record-only (nothing is sent).
 */
export async function startService(options: StartOptions = {}): Promise<RunningService> {
  const env = options.env ?? process.env;
  const running = await bootService({
    name: SERVICE_NAME,
    schema: notificationConfigSchema,
    defaults: { PORT: "8083" },
    migrationsDir,
    options,
    build: async ({ config, db, bus: given }) => {
      const bus = given ?? (await createEventBus({ ...env, SERVICE_NAME }));
      const email = createEmailChannel({ smtpUrl: config.SMTP_URL, from: config.NOTIFY_FROM, publicUrl: config.PUBLIC_URL, unsubscribeSecret: unsubscribeSecret(config) });
      const app = await buildApp({ config, db, onQueued: () => dispatcher.poke() });
      if (email.mode === "record-only") app.log.info("SMTP_URL is not set: email is recorded, not sent (in-app feed and webhooks work as usual)");
      const deliveries = new Counter({
        name: "notification_deliveries_total",
        help: "Email and webhook delivery attempts by channel and outcome (sent, retrying, deadLettered)",
        labelNames: ["channel", "outcome"] as const,
        registers: [app.metrics.registry],
      });
      const relay = startOutboxRelay(db, bus, { onError: (err) => app.log.error({ err }, "outbox relay failed; retrying") });
      const dispatcher = startDispatcher({
        db,
        senders: { email: email.send, webhook: createWebhookChannel(db, { timeoutMs: config.WEBHOOK_TIMEOUT_MS }) },
        writeEvent: writeOutbox,
        onDispatched: () => relay.poke(),
        onOutcome: (channel, outcome) => deliveries.inc({ channel, outcome }),
        policy: { baseMs: config.NOTIFY_RETRY_BASE_MS, maxMs: config.NOTIFY_RETRY_MAX_MS, maxAttempts: MAX_ATTEMPTS },
        intervalMs: config.NOTIFY_POLL_MS,
        onError: (err) => app.log.error({ err }, "dispatch failed; retrying"),
      });
      const subscription = await subscribeNotificationEvents(bus, {
        db,
        writeEvent: writeOutbox,
        log: app.log,
        onQueued: () => {
          dispatcher.poke();
          relay.poke();
        },
      });
      app.addHook("onClose", async () => {
        await subscription.unsubscribe();
        await dispatcher.stop();
        await relay.stop();
        email.close();
        if (!given) await bus.close();
      });
      return app;
    },
  });
  return { name: running.name, url: running.url, close: () => running.close() };
}
