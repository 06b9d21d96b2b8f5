import type { EventBus, SubscribeOptions, Subscription } from "./bus.js";
import { InProcessEventBus } from "./in-process.js";
import { NatsEventBus } from "./nats.js";
import { readNatsSettings } from "./settings.js";
import type { EventEnvelope } from "@blessed-horizon/contracts";

let shared: { bus: InProcessEventBus; users: number } | undefined;

/**
 * The bus a service uses: NATS JetStream when `NATS_URL` is set (stream
 * `NATS_STREAM`, default BLESSED_HORIZON; subjects `NATS_SUBJECT_PREFIX.>`,
 * default events; durable consumers named `NATS_DURABLE_PREFIX_<consumer>`,
 * see settings.ts: each environment on a shared server sets all three), else
 * the in-process bus that every service of this process shares. Each caller
 * closes its own handle; the shared bus stops when the last one does.
 */
export async function createEventBus(env: Record<string, string | undefined> = process.env): Promise<EventBus> {
  const url = env.NATS_URL?.trim();
  if (url) {
    return NatsEventBus.connect({ url, ...readNatsSettings(env), name: env.SERVICE_NAME ?? "blessed-horizon" });
  }
  shared ??= { bus: new InProcessEventBus(), users: 0 };
  const handle = shared;
  handle.users += 1;
  return new SharedBusHandle(handle);
}

class SharedBusHandle implements EventBus {
  #closed = false;
  readonly #subscriptions = new Set<Subscription>();
  constructor(private readonly handle: { bus: InProcessEventBus; users: number }) {}

  publish(event: EventEnvelope): Promise<void> {
    return this.handle.bus.publish(event);
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    const subscription = await this.handle.bus.subscribe(options);
    this.#subscriptions.add(subscription);
    return {
      unsubscribe: async () => {
        this.#subscriptions.delete(subscription);
        await subscription.unsubscribe();
      },
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // This service stops handling events; the durable queues stay for its next start.
    await Promise.all([...this.#subscriptions].map((s) => s.unsubscribe()));
    this.#subscriptions.clear();
    this.handle.users -= 1;
    if (this.handle.users === 0) {
      if (shared === this.handle) shared = undefined;
      await this.handle.bus.close();
    }
  }
}
