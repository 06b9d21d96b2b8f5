import type { RunningService, StartOptions } from "@blessed-horizon/service-kit";
import { bootService, createEventBus } from "@blessed-horizon/service-kit";
import { buildApp, migrationsDir } from "./app.js";
import { CAMPAIGN_DEFAULTS, campaignConfigSchema, SERVICE_NAME } from "./config.js";

/** Starts campaign-service: config, database, migrations, listen (PORT, default 8081). */
export async function startService(options: StartOptions = {}): Promise<RunningService> {
  // Alone, it opens its own bus (NATS_URL or in-process); the launcher passes the shared one.
  const ownBus = options.bus ? undefined : await createEventBus({ ...(options.env ?? process.env), SERVICE_NAME });
  try {
    const running = await bootService({
      name: SERVICE_NAME,
      schema: campaignConfigSchema,
      defaults: CAMPAIGN_DEFAULTS,
      migrationsDir,
      options: { ...options, bus: options.bus ?? ownBus },
      build: ({ config, db, bus }) => buildApp({ config, db, bus }),
    });
    return { name: running.name, url: running.url, close: () => running.close().finally(() => ownBus?.close()) };
  } catch (error) {
    await ownBus?.close();
    throw error;
  }
}
