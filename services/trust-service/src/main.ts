import { bootService, withEventBus, type RunningService, type StartOptions } from "@blessed-horizon/service-kit";
import { buildApp, migrationsDir } from "./app.js";
import { SERVICE_NAME, TRUST_DEFAULTS, trustConfigSchema } from "./config.js";

/** Starts trust-service: config (with the rules' TRUST_* settings), database, migrations, its bus (the launcher's, else its own), listen (PORT, default 8084). */
export function startService(options: StartOptions = {}): Promise<RunningService> {
  return withEventBus(SERVICE_NAME, options, (withBus) =>
    bootService({ name: SERVICE_NAME, schema: trustConfigSchema, defaults: TRUST_DEFAULTS, migrationsDir, options: withBus, build: buildApp }),
  );
}
