import type { EventEnvelope } from "@blessed-horizon/contracts";
import { redeliveryDelay } from "./backoff.js";
import type { EventBus, EventHandler, SubscribeOptions, Subscription } from "./bus.js";

export interface InProcessBusOptions {
  /** First redelivery delay after a handler throws. */
  retryBaseMs?: number;
  /** Longest redelivery delay. */
  retryMaxMs?: number;
  /** Events kept for consumers that subscribe later (a new durable consumer starts from the oldest kept event). */
  retention?: number;
  /** Told about every failed delivery; the event is delivered again after a backoff. */
  onError?: (error: unknown, event: EventEnvelope, consumer: string, attempt: number) => void;
}

interface Consumer {
  types: ReadonlySet<string>;
  queue: { event: EventEnvelope; attempt: number }[];
  handler: EventHandler | undefined;
  running: boolean;
  timers: Set<NodeJS.Timeout>;
}

/**
 * The bus used when no NATS is configured: every service in one process shares
 * it. Each durable consumer has its own queue (its cursor), so an unsubscribed
 * consumer keeps receiving events and gets them when it subscribes again.
 * A handler that throws gets the event again after an exponential backoff,
 * forever (at-least-once; handlers dedupe by `eventId`). Events live in memory
 * only: a process restart loses what was not yet handled, which is why the
 * producers keep an outbox.
 */
export class InProcessEventBus implements EventBus {
  readonly #consumers = new Map<string, Consumer>();
  readonly #log: EventEnvelope[] = [];
  readonly #retryBaseMs: number;
  readonly #retryMaxMs: number;
  readonly #retention: number;
  readonly #onError: NonNullable<InProcessBusOptions["onError"]>;
  #closed = false;

  constructor(options: InProcessBusOptions = {}) {
    this.#retryBaseMs = options.retryBaseMs ?? 100;
    this.#retryMaxMs = options.retryMaxMs ?? 30_000;
    this.#retention = options.retention ?? 10_000;
    this.#onError = options.onError ?? (() => undefined);
  }

  publish(event: EventEnvelope): Promise<void> {
    if (this.#closed) return Promise.reject(new BusClosedError());
    this.#log.push(event);
    if (this.#log.length > this.#retention) this.#log.shift();
    for (const [name, consumer] of this.#consumers) {
      if (!consumer.types.has(event.type)) continue;
      consumer.queue.push({ event, attempt: 1 });
      this.#drain(name, consumer);
    }
    return Promise.resolve();
  }

  subscribe(options: SubscribeOptions): Promise<Subscription> {
    if (this.#closed) return Promise.reject(new BusClosedError());
    let consumer = this.#consumers.get(options.consumer);
    if (consumer?.handler) return Promise.reject(new Error(`consumer '${options.consumer}' is already subscribed`));
    if (!consumer) {
      const types = new Set(options.types);
      consumer = { types, queue: this.#log.filter((e) => types.has(e.type)).map((event) => ({ event, attempt: 1 })), handler: undefined, running: false, timers: new Set() };
      this.#consumers.set(options.consumer, consumer);
    }
    consumer.handler = options.handler;
    const subscribed = consumer;
    this.#drain(options.consumer, subscribed);
    return Promise.resolve({
      unsubscribe: () => {
        subscribed.handler = undefined;
        return Promise.resolve();
      },
    });
  }

  close(): Promise<void> {
    this.#closed = true;
    for (const consumer of this.#consumers.values()) {
      consumer.handler = undefined;
      for (const timer of consumer.timers) clearTimeout(timer);
    }
    this.#consumers.clear();
    return Promise.resolve();
  }

  /** Events queued for a consumer and not yet handled (also counts events waiting for a retry). */
  pending(consumer: string): number {
    const c = this.#consumers.get(consumer);
    return c ? c.queue.length + c.timers.size : 0;
  }

  #drain(name: string, consumer: Consumer): void {
    if (consumer.running) return;
    consumer.running = true;
    void (async () => {
      while (consumer.handler && !this.#closed) {
        const item = consumer.queue.shift();
        if (item === undefined) break;
        try {
          await consumer.handler(item.event);
        } catch (error) {
          this.#onError(error, item.event, name, item.attempt);
          this.#retryLater(name, consumer, { event: item.event, attempt: item.attempt + 1 });
        }
      }
      consumer.running = false;
    })();
  }

  #retryLater(name: string, consumer: Consumer, item: { event: EventEnvelope; attempt: number }): void {
    const timer = setTimeout(() => {
      consumer.timers.delete(timer);
      consumer.queue.push(item);
      this.#drain(name, consumer);
    }, redeliveryDelay(item.attempt - 1, this.#retryBaseMs, this.#retryMaxMs));
    timer.unref();
    consumer.timers.add(timer);
  }
}

export class BusClosedError extends Error {
  override readonly name = "BusClosedError";
  constructor() {
    super("the event bus is closed");
  }
}
