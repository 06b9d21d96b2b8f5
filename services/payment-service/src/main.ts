import { bootService, withEventBus, type RunningService, type StartOptions } from "@blessed-horizon/service-kit";
import { buildApp, migrationsDir } from "./app.js";
import { PAYMENT_DEFAULTS, paymentConfigSchema, SERVICE_NAME } from "./config.js";

/** Starts payment-service: config, database, migrations, its bus (the launcher's, else its own), listen (PORT, default 8082). */
export function startService(options: StartOptions = {}): Promise<RunningService> {
  return withEventBus(SERVICE_NAME, options, (withBus) =>
    bootService({ name: SERVICE_NAME, schema: paymentConfigSchema, defaults: PAYMENT_DEFAULTS, migrationsDir, options: withBus, build: buildApp }),
  );
}
