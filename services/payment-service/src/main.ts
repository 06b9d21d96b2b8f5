import { bootService, createEventBus, loadConfig, type RunningService, type StartOptions } from "@blessed-horizon/service-kit";
import { buildApp, migrationsDir, SERVICE_NAME } from "./app.js";
import { assertProductionSecrets, paymentConfigSchema } from "./config.js";

const DEFAULTS = { PORT: "8082" };

/** Starts payment-service (port 8082): the launcher passes a shared bus; alone, it opens its own (NATS_URL or in-process). */
export async function startService(options: StartOptions = {}): Promise<RunningService> {
  const env = options.env ?? process.env;
  assertProductionSecrets(loadConfig(paymentConfigSchema, env, DEFAULTS));
  const ownBus = options.bus ? undefined : await createEventBus({ ...env, SERVICE_NAME });
  try {
    const running = await bootService({
      name: SERVICE_NAME,
      schema: paymentConfigSchema,
      defaults: DEFAULTS,
      migrationsDir,
      options: { ...options, bus: options.bus ?? ownBus },
      build: ({ config, db, bus }) => buildApp({ config, db, bus }),
    });
    return {
      name: running.name,
      url: running.url,
      close: async () => {
        try {
          await running.close();
        } finally {
          await ownBus?.close();
        }
      },
    };
  } catch (error) {
    await ownBus?.close();
    throw error;
  }
}
