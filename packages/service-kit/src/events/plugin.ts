import type { DomainEvent, EventType } from "@blessed-horizon/contracts";
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import type { EventBus, Subscription } from "./bus.js";
import { startOutboxRelay, type OutboxRelay, type OutboxRelayOptions } from "./outbox.js";
import type { SqlDatabase, SqlQueryable } from "./sql.js";
import { subscribeDomainEvents } from "./subscribe.js";

declare module "fastify" {
  interface FastifyInstance {
    /** The service's side of the event bus (`eventsPlugin`). */
    events: ServiceEvents;
  }
}

/** Records an event in the same transaction as the change that caused it: `writeOutbox` is one. */
export type WriteEvent = (tx: SqlQueryable, event: DomainEvent) => Promise<void>;

/** One durable consumer of a service: which events it takes and what it does with each. */
export interface EventConsumer<T extends EventType = EventType> {
  /** Durable consumer name, e.g. "campaign-service.totals". */
  consumer: string;
  types: readonly T[];
  /**
   * Applies one validated event. Resolves true when it wrote to the outbox,
   * so the relay publishes now rather than at its next poll. Throwing means
   * "not processed": the bus delivers the event again.
   */
  handle(event: DomainEvent<T>): Promise<boolean | void>;
}

export interface ServiceEvents {
  /** Publish the outbox now: call after a commit that wrote to it. Does nothing without a bus. */
  poke(): void;
}

export interface EventsPluginOptions {
  db: SqlDatabase;
  /** Without a bus nothing is relayed or consumed: events wait in the outbox (tests that only inject HTTP). */
  bus: EventBus | undefined;
  consumers?: readonly EventConsumer[];
  /** The relay's polling interval, batch size and poke coalescing (`startOutboxRelay`'s options; errors go to the app's log). */
  relay?: Omit<OutboxRelayOptions, "onError">;
}

/**
 * A service's events: once the app is ready, the outbox relay and one
 * subscription per consumer (an event that breaks its contract is logged and
 * skipped); when the app closes, the subscriptions end first, then the relay
 * after the batch in flight. Decorates `app.events`.
 */
export const eventsPlugin = fp(
  (app: FastifyInstance, options: EventsPluginOptions, done: (error?: Error) => void) => {
    const { db, bus } = options;
    let relay: OutboxRelay | undefined;
    const subscriptions: Subscription[] = [];
    app.decorate("events", { poke: () => relay?.poke() } satisfies ServiceEvents);
    app.addHook("onReady", async () => {
      if (!bus) return;
      relay = startOutboxRelay(db, bus, { ...options.relay, onError: (err) => app.log.warn({ err }, "outbox relay failed; retrying") });
      for (const consumer of options.consumers ?? []) {
        subscriptions.push(
          await subscribeDomainEvents(bus, {
            consumer: consumer.consumer,
            types: consumer.types,
            log: app.log,
            handle: async (event) => {
              if ((await consumer.handle(event)) === true) relay?.poke();
            },
          }),
        );
      }
    });
    app.addHook("onClose", async () => {
      for (const subscription of subscriptions.splice(0)) await subscription.unsubscribe();
      await relay?.stop();
    });
    done();
  },
  { name: "blessed-horizon-events", fastify: "5.x" },
);
