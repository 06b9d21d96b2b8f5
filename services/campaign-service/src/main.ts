import type { RunningService, StartOptions } from "@blessed-horizon/service-kit";
import { bootService } from "@blessed-horizon/service-kit";
import { buildApp, migrationsDir } from "./app.js";
import { CAMPAIGN_DEFAULTS, campaignConfigSchema, SERVICE_NAME } from "./config.js";

/** Starts campaign-service: config, database, migrations, listen (PORT, default 8081). */
export async function startService(options: StartOptions = {}): Promise<RunningService> {
  return bootService({
    name: SERVICE_NAME,
    schema: campaignConfigSchema,
    defaults: CAMPAIGN_DEFAULTS,
    migrationsDir,
    options,
    build: ({ config, db, bus }) => buildApp({ config, db, bus }),
  });
}
