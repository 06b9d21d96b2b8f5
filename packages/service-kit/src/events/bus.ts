import type { EventEnvelope } from "@blessed-horizon/contracts";

/** A consumer's handler. Throwing means "not processed": the bus delivers the event again later. */
export type EventHandler = (event: EventEnvelope) => Promise<void>;

export interface SubscribeOptions {
  /** Durable consumer name, e.g. "campaign-service.totals". One name = one cursor through the stream. */
  consumer: string;
  /** Event types this consumer wants, e.g. ["donation.succeeded", "donation.refunded"]. */
  types: readonly string[];
  handler: EventHandler;
}

export interface Subscription {
  /** Stops delivery to this consumer; the durable cursor stays. */
  unsubscribe(): Promise<void>;
}

/**
 * How services talk (ARCHITECTURE §2). Delivery is at-least-once: consumers
 * dedupe by `eventId`. Production: NATS JetStream (`NATS_URL`); default: an
 * in-process bus shared by every service running in one process (`npm start`).
 */
export interface EventBus {
  /** Resolves when the broker has the event. Several publishes may be in flight at once: the broker receives them in the order of the calls. */
  publish(event: EventEnvelope): Promise<void>;
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  close(): Promise<void>;
}
