import type { RunningService, StartOptions } from "../process/service.js";
import { createEventBus } from "./factory.js";

/**
 * Runs `start` with the bus the launcher passed, or else with one of its own
 * (NATS when `NATS_URL` is set, else the process's in-process bus), which it
 * closes after the service, or at once when `start` fails.
 */
export async function withEventBus(name: string, options: StartOptions, start: (options: StartOptions) => Promise<RunningService>): Promise<RunningService> {
  if (options.bus) return start(options);
  const bus = await createEventBus({ ...(options.env ?? process.env), SERVICE_NAME: name });
  let running: RunningService;
  try {
    running = await start({ ...options, bus });
  } catch (error) {
    await bus.close();
    throw error;
  }
  return { name: running.name, url: running.url, close: () => running.close().finally(() => bus.close()) };
}
