import { fileURLToPath } from "node:url";
import { createServiceApp, type Database, type ZodTypeProvider } from "@blessed-horizon/service-kit";
import type { FastifyInstance } from "fastify";
import { unsubscribeSecret, type NotificationConfig } from "./config.js";
import { registerDeadLetterRoutes } from "./routes/dead-letters.js";
import { registerRecipientRoutes } from "./routes/recipients.js";
import { registerUnsubscribeRoutes } from "./routes/unsubscribe.js";

export const SERVICE_NAME = "notification-service";
export const SERVICE_VERSION = "0.1.0";
export const migrationsDir = fileURLToPath(new URL("../migrations", import.meta.url));

export interface NotificationAppDeps {
  config: NotificationConfig;
  db: Database;
  /** Called when messages were queued again (a replay), so the dispatcher looks now. */
  onQueued?: () => void;
  now?: () => Date;
}

/** The notification-service HTTP app: feeds, preferences, one-click unsubscribe and dead letters on top of the kit. */
export async function buildApp(deps: NotificationAppDeps): Promise<FastifyInstance> {
  const base = await createServiceApp({
    name: SERVICE_NAME,
    version: SERVICE_VERSION,
    config: deps.config,
    db: deps.db,
    migrationsDir,
    description: "Receipts and notices by email, in-app feed and signed webhooks; preferences, one-click unsubscribe, dead letters.",
  });
  const app = base.withTypeProvider<ZodTypeProvider>();
  registerRecipientRoutes(app, { db: deps.db });
  registerUnsubscribeRoutes(app, { db: deps.db, secret: unsubscribeSecret(deps.config) });
  registerDeadLetterRoutes(app, { db: deps.db, onReplay: deps.onQueued ?? (() => undefined), ...(deps.now ? { now: deps.now } : {}) });
  return base;
}
