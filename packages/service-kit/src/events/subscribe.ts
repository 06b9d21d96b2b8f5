import { InvalidEventError, parseEvent, UnknownEventTypeError, type DomainEvent, type EventType } from "@blessed-horizon/contracts";
import type { EventBus, Subscription } from "./bus.js";

export interface DomainEventSubscription<T extends EventType> {
  /** Durable consumer name, e.g. "campaign-service.totals". */
  consumer: string;
  types: readonly T[];
  log: { error(details: object, message: string): void };
  /** Applies one validated event. Throwing means "not processed": the bus delivers it again. */
  handle: (event: DomainEvent<T>) => Promise<void>;
}

/**
 * Subscribes a consumer to typed, validated platform events. An event that
 * breaks its contract (unknown type, invalid data) is logged and skipped:
 * redelivering it can never fix it, and retrying it forever would stall the
 * consumer. Any other failure is left to the bus to retry.
 */
export function subscribeDomainEvents<T extends EventType>(bus: EventBus, options: DomainEventSubscription<T>): Promise<Subscription> {
  return bus.subscribe({
    consumer: options.consumer,
    types: options.types,
    handler: async (envelope) => {
      let event: DomainEvent<T>;
      try {
        event = parseEvent(envelope) as DomainEvent<T>;
      } catch (error) {
        if (error instanceof InvalidEventError || error instanceof UnknownEventTypeError) {
          options.log.error({ err: error, eventId: envelope.eventId, consumer: options.consumer }, "skipping an event that breaks its contract");
          return;
        }
        throw error;
      }
      await options.handle(event);
    },
  });
}
