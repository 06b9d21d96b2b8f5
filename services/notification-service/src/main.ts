import { bootService, withEventBus, type RunningService, type StartOptions } from "@blessed-horizon/service-kit";
import { buildApp, migrationsDir } from "./app.js";
import { NOTIFICATION_DEFAULTS, notificationConfigSchema, SERVICE_NAME } from "./config.js";

/** Starts notification-service: config, database, migrations, its bus (the launcher's, else its own), listen (PORT, default 8083). */
export function startService(options: StartOptions = {}): Promise<RunningService> {
  return withEventBus(SERVICE_NAME, options, (withBus) =>
    bootService({ name: SERVICE_NAME, schema: notificationConfigSchema, defaults: NOTIFICATION_DEFAULTS, migrationsDir, options: withBus, build: buildApp }),
  );
}
