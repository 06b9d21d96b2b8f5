import type { EventEnvelope } from "@blessed-horizon/contracts";
import { AckPolicy, connect, DeliverPolicy, nanos, type ConsumerMessages, type JetStreamClient, type JetStreamManager, type NatsConnection } from "nats";
import { redeliveryDelay } from "./backoff.js";
import type { EventBus, SubscribeOptions, Subscription } from "./bus.js";

export interface NatsBusOptions {
  /** e.g. nats://127.0.0.1:4222 (comma-separated for a cluster). */
  url: string;
  /** JetStream stream holding every event. */
  stream?: string;
  /** Subjects are `<prefix>.<event type>`, e.g. events.donation.succeeded. */
  subjectPrefix?: string;
  /** Put before every durable consumer name (`<prefix>_<consumer>`), so each environment's consumers are its own. */
  durablePrefix?: string;
  /** How long the server waits for an ack before it delivers again. */
  ackWaitMs?: number;
  /** Deliveries per event before the server gives up on it (-1: never). */
  maxDeliver?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Told about every failed delivery; the event is nak'ed and delivered again after a backoff. */
  onError?: (error: unknown, event: EventEnvelope | undefined, consumer: string, attempt: number) => void;
  /** Connection name shown by the server (`nats server report connections`). */
  name?: string;
}

/** A consumer name NATS accepts: durable names may not contain `.`, `*`, `>`, spaces or path separators. */
export function durableName(consumer: string): string {
  return consumer.replace(/[.*>\s/\\]/g, "_");
}

/**
 * The production bus (ARCHITECTURE §2): NATS JetStream. One stream keeps every
 * event (`<prefix>.>`); each logical consumer is a durable pull consumer with
 * explicit acks, so its cursor survives restarts. A handler that throws naks
 * the message with a backoff; a handler that hangs past `ackWaitMs` gets it
 * again from the server. Publishing sets `Nats-Msg-Id` to the event id, so a
 * relay that publishes twice (crash before marking) is deduplicated by the
 * server within its duplicate window.
 */
export class NatsEventBus implements EventBus {
  readonly #subscriptions = new Set<ConsumerMessages>();
  readonly #loops = new Set<Promise<void>>();

  private constructor(
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    private readonly js: JetStreamClient,
    private readonly options: Required<Omit<NatsBusOptions, "onError" | "name" | "durablePrefix">> & Pick<NatsBusOptions, "onError" | "durablePrefix">,
  ) {}

  /** Connects and makes sure the stream exists. */
  static async connect(options: NatsBusOptions): Promise<NatsEventBus> {
    const nc = await connect({ servers: options.url.split(","), name: options.name ?? "blessed-horizon", maxReconnectAttempts: -1 });
    try {
      const jsm = await nc.jetstreamManager();
      const resolved = {
        url: options.url,
        stream: options.stream ?? "BLESSED_HORIZON",
        subjectPrefix: options.subjectPrefix ?? "events",
        durablePrefix: options.durablePrefix,
        ackWaitMs: options.ackWaitMs ?? 30_000,
        maxDeliver: options.maxDeliver ?? -1,
        retryBaseMs: options.retryBaseMs ?? 200,
        retryMaxMs: options.retryMaxMs ?? 30_000,
        onError: options.onError,
      };
      await ensureStream(jsm, resolved.stream, `${resolved.subjectPrefix}.>`);
      return new NatsEventBus(nc, jsm, nc.jetstream(), resolved);
    } catch (error) {
      await nc.close();
      throw error;
    }
  }

  async publish(event: EventEnvelope): Promise<void> {
    await this.js.publish(`${this.options.subjectPrefix}.${event.type}`, JSON.stringify(event), { msgID: event.eventId });
  }

  async subscribe({ consumer, types, handler }: SubscribeOptions): Promise<Subscription> {
    const { stream, subjectPrefix } = this.options;
    const name = durableName(this.options.durablePrefix ? `${this.options.durablePrefix}.${consumer}` : consumer);
    // One filter subject per consumer (servers before 2.10 take no list): one type filters
    // on the server; several read the whole stream and skip what they did not ask for.
    const filter = types.length === 1 ? `${subjectPrefix}.${types[0]}` : `${subjectPrefix}.>`;
    const config = {
      durable_name: name,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(this.options.ackWaitMs),
      max_deliver: this.options.maxDeliver,
      filter_subject: filter,
    };
    try {
      await this.jsm.consumers.info(stream, name);
      await this.jsm.consumers.update(stream, name, { ack_wait: config.ack_wait, max_deliver: config.max_deliver, filter_subject: filter });
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await this.jsm.consumers.add(stream, config);
    }
    const wanted = new Set(types);
    const messages = await (await this.js.consumers.get(stream, name)).consume({ max_messages: 64 });
    this.#subscriptions.add(messages);
    const loop = (async () => {
      for await (const message of messages) {
        const attempt = message.info.redeliveryCount;
        let event: EventEnvelope | undefined;
        try {
          event = JSON.parse(message.string()) as EventEnvelope;
          if (wanted.has(event.type)) await handler(event);
          message.ack();
        } catch (error) {
          this.options.onError?.(error, event, consumer, attempt);
          if (event === undefined) message.term(); // not JSON: no redelivery can fix it
          else message.nak(redeliveryDelay(attempt, this.options.retryBaseMs, this.options.retryMaxMs));
        }
      }
    })();
    this.#loops.add(loop);
    return {
      unsubscribe: async () => {
        messages.stop();
        this.#subscriptions.delete(messages);
        await loop;
        this.#loops.delete(loop);
      },
    };
  }

  async close(): Promise<void> {
    for (const messages of this.#subscriptions) messages.stop();
    this.#subscriptions.clear();
    await Promise.allSettled([...this.#loops]);
    await this.nc.drain();
  }

  /** Deletes the stream and everything in it (tests clean up their own streams). */
  async deleteStream(): Promise<void> {
    await this.jsm.streams.delete(this.options.stream);
  }
}

async function ensureStream(jsm: JetStreamManager, stream: string, subject: string): Promise<void> {
  try {
    await jsm.streams.info(stream);
  } catch (error) {
    if (!isNotFound(error)) throw error;
    await jsm.streams.add({ name: stream, subjects: [subject], duplicate_window: nanos(120_000) });
  }
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && /not found/i.test(error.message);
}
