import { bootService, createEventBus, startOutboxRelay, writeOutbox, type RunningService, type StartOptions } from "@blessed-horizon/service-kit";
import { buildApp, migrationsDir, SERVICE_NAME } from "./app.js";
import { subscribeTrustEvents } from "./consumers.js";
import { trustConfigFromEnv } from "./domain/config.js";

/**
 * Starts trust-service (port 8084): database and migrations, the HTTP app, the
 * outbox relay publishing `trust.decision`, and the consumer of donation
 * outcomes and published campaigns. `close()` stops consuming, finishes
 * requests, stops the relay, then closes the database.
 */
export async function startService(options: StartOptions = {}): Promise<RunningService> {
  const env = options.env ?? process.env;
  const trust = trustConfigFromEnv(env);
  const running = await bootService({
    name: SERVICE_NAME,
    defaults: { PORT: "8084" },
    migrationsDir,
    options,
    build: async ({ config, db, bus: given }) => {
      const bus = given ?? (await createEventBus({ ...env, SERVICE_NAME }));
      const app = await buildApp({ config, db, trust, onEvent: () => relay.poke() });
      // A poke waits 50 ms, so the trust.decision events of the assessments committed meanwhile share one relay transaction.
      const relay = startOutboxRelay(db, bus, { coalesceMs: 50, onError: (err) => app.log.error({ err }, "outbox relay failed; retrying") });
      const subscription = await subscribeTrustEvents(bus, { db, config: trust, writeEvent: writeOutbox, log: app.log, onEvent: () => relay.poke() });
      app.addHook("onClose", async () => {
        await subscription.unsubscribe();
        await relay.stop();
        if (!given) await bus.close();
      });
      return app;
    },
  });
  return { name: running.name, url: running.url, close: () => running.close() };
}
