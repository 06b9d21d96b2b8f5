import type { EventEnvelope } from "@blessed-horizon/contracts";
import { AckPolicy, connect, DeliverPolicy, nanos, type ConsumerConfig, type ConsumerInfo, type ConsumerMessages, type JetStreamClient, type JetStreamManager, type JsMsg, type NatsConnection } from "nats";
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
 * explicit acks, so its cursor survives restarts, filtered on the server to its
 * types (`consumerFilter`). A handler that throws naks
 * the message with a backoff; a handler that hangs past `ackWaitMs` gets it
 * again from the server. Publishing sets `Nats-Msg-Id` to the event id, so a
 * relay that publishes twice (crash before marking) is deduplicated by the
 * server within its duplicate window.
 */
export class NatsEventBus implements EventBus {
  readonly #subscriptions = new Set<ConsumerMessages>();
  readonly #loops = new Set<Promise<void>>();
  /** Shared by every consumer of this connection (the launcher runs all four services' consumers on one). */
  readonly #acks = new AckBatch();

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
    // Never send filter_subjects to a server that does not know it: 2.9 ignores the field and would filter nothing.
    const multipleFilters = supportsMultipleFilters(this.nc.info?.version);
    const filter = consumerFilter(subjectPrefix, types, multipleFilters);
    const settings = { ack_wait: nanos(this.options.ackWaitMs), max_deliver: this.options.maxDeliver, ...filter };
    let existing: ConsumerInfo | undefined;
    try {
      existing = await this.jsm.consumers.info(stream, name);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    if (existing === undefined) {
      await this.jsm.consumers.add(stream, { durable_name: name, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All, ...settings });
    } else {
      if (planFilterUpdate(existing.config, filter, multipleFilters) === "refuse") {
        throw new NatsConsumerFilterError(name, existing.config.filter_subject ?? "", filter.filter_subject ?? "", this.nc.info?.version ?? "?");
      }
      // An update keeps the consumer's position and its unacked events; the filters are replaced whole.
      await this.jsm.consumers.update(stream, name, settings);
    }
    const wanted = new Set(types.map((type) => `${subjectPrefix}.${type}`));
    const messages = await (await this.js.consumers.get(stream, name)).consume({ max_messages: 64 });
    this.#subscriptions.add(messages);
    const acks = this.#acks;
    const loop = (async () => {
      try {
        for await (const message of messages) {
          const attempt = message.info.redeliveryCount;
          let event: EventEnvelope | undefined;
          // A filter that covers more than the types (one subject before 2.10): skip the rest unparsed.
          if (!wanted.has(message.subject)) {
            acks.add(message);
            continue;
          }
          try {
            event = JSON.parse(message.string()) as EventEnvelope;
            await handler(event);
            acks.add(message);
          } catch (error) {
            this.options.onError?.(error, event, consumer, attempt);
            if (event === undefined) message.term(); // not JSON: no redelivery can fix it
            else message.nak(redeliveryDelay(attempt, this.options.retryBaseMs, this.options.retryMaxMs));
          }
        }
      } finally {
        acks.flush();
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

/**
 * Acks sent together: every ack of one turn of the event loop, of all the
 * connection's consumers (a run of skipped messages, the handlers that
 * finished on the same reads) goes out in one write to the server instead of
 * one write each; an ack waits at most until the loop's check phase. Each
 * message is still acked on its own (the consumer's policy stays explicit): a
 * crash before the write, or an ack the closed connection cannot send, only
 * means those events are delivered again, as for any crash before an ack.
 */
class AckBatch {
  #pending: JsMsg[] = [];
  #scheduled = false;

  add(message: JsMsg): void {
    this.#pending.push(message);
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.flush());
  }

  flush(): void {
    this.#scheduled = false;
    const pending = this.#pending;
    this.#pending = [];
    // nats.js writes what was queued in one synchronous run with one write.
    for (const message of pending) {
      try {
        message.ack();
      } catch {
        // closed meanwhile: the server delivers it again after ack_wait
      }
    }
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

/** A consumer's server-side filter: one of the two is set, the other undefined so that an update clears it. */
interface ConsumerFilter {
  filter_subject: string | undefined;
  filter_subjects: string[] | undefined;
}

/**
 * What a consumer of `types` reads from the stream. With multiple filters
 * (nats-server 2.10+) exactly the types' subjects; before, one subject: the
 * type's, else the types' shared leading tokens with a wildcard, else the whole
 * prefix. The consume loop skips, by subject, what a wildcard lets through.
 */
export function consumerFilter(prefix: string, types: readonly string[], multipleFilters: boolean): ConsumerFilter {
  const unique = [...new Set(types)];
  if (unique.length === 1) return { filter_subject: `${prefix}.${unique[0]}`, filter_subjects: undefined };
  if (multipleFilters && unique.length > 1) return { filter_subject: undefined, filter_subjects: unique.map((type) => `${prefix}.${type}`) };
  const tokens = unique.map((type) => type.split("."));
  const first = tokens[0] ?? [];
  let shared = 0; // leading tokens every type has, with at least one more after them
  while (shared < first.length && tokens.every((t) => t.length > shared + 1 && t[shared] === first[shared])) shared += 1;
  if (shared === 0) return { filter_subject: `${prefix}.>`, filter_subjects: undefined };
  const tail = tokens.every((t) => t.length === shared + 1) ? "*" : ">";
  return { filter_subject: `${prefix}.${first.slice(0, shared).join(".")}.${tail}`, filter_subjects: undefined };
}

/** `filter_subjects` (a list) exists from nats-server 2.10 on. */
export function supportsMultipleFilters(serverVersion: string | undefined): boolean {
  const [major = 0, minor = 0] = (serverVersion ?? "").split(".").map((part) => Number.parseInt(part, 10) || 0);
  return major > 2 || (major === 2 && minor >= 10);
}

/**
 * Whether an existing durable may take `next` in place. Before 2.10 the server
 * decides at creation whether the filter has a wildcard and an update does not
 * redo it (nats-server v2.9.10 server/consumer.go: `filterWC` is set in
 * addConsumer, not in updateConfig), so a literal or empty filter widened to a
 * wildcard would match nothing from then on.
 */
export function planFilterUpdate(existing: Pick<ConsumerConfig, "filter_subject">, next: ConsumerFilter, multipleFilters: boolean): "update" | "refuse" {
  if (multipleFilters) return "update";
  return !hasWildcard(existing.filter_subject ?? "") && next.filter_subject !== undefined && hasWildcard(next.filter_subject) ? "refuse" : "update";
}

function hasWildcard(subject: string): boolean {
  return subject.split(".").some((token) => token === "*" || token === ">");
}

/** A durable consumer this server cannot re-filter in place; it is left as it was. */
export class NatsConsumerFilterError extends Error {
  override readonly name = "NatsConsumerFilterError";
  readonly code = "BH_NATS_CONSUMER_FILTER";
  constructor(durable: string, from: string, to: string, serverVersion: string) {
    super(
      `consumer '${durable}' filters on '${from || "(all)"}'; nats-server ${serverVersion} cannot widen it to '${to}' in place (2.10+ can). ` +
        "Left unchanged: delete the consumer to recreate it from the start of the stream, or upgrade the server",
    );
  }
}
