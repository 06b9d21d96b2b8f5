import { parseEvent, type EventEnvelope } from "@blessed-horizon/contracts";
import type { EventBus } from "./bus.js";
import type { SqlDatabase, SqlQueryable } from "./sql.js";

/**
 * Records an event in the producer's transaction (ARCHITECTURE §2): it is
 * published if and only if the change that caused it commits. The event is
 * validated against its contract first, so a broken event fails the change,
 * not the consumers.
 */
export async function writeOutbox(tx: SqlQueryable, event: EventEnvelope): Promise<void> {
  await tx.query("INSERT INTO event_outbox (event_id, type, occurred_at, data) VALUES ($1, $2, $3, $4::jsonb)", outboxValues(event));
}

/**
 * The validated column values of an outbox row (event_id, type, occurred_at,
 * data as JSON text), for a producer that writes its event inside a larger
 * statement of its own (`INSERT INTO event_outbox (event_id, type,
 * occurred_at, data) SELECT $n::uuid, $n+1::text, $n+2::timestamptz, $n+3::jsonb ...`), one round trip
 * instead of two. Throws like writeOutbox on an event that breaks its contract.
 */
export function outboxValues(event: EventEnvelope): [string, string, string, string] {
  const valid = parseEvent(event);
  return [valid.eventId, valid.type, valid.occurredAt, JSON.stringify(valid.data)];
}

export interface OutboxRelayOptions {
  /** How often to look for unpublished events when nobody pokes the relay. */
  intervalMs?: number;
  batchSize?: number;
  /**
   * How long a poke waits before it publishes, so that the events of several
   * commits in that window go out in one relay transaction instead of one
   * each (0: at once). Stopping publishes what a waiting poke would have.
   */
  coalesceMs?: number;
  onError?: (error: unknown) => void;
}

export interface OutboxRelay {
  /** Publish now (call after a commit that wrote the outbox, for low latency). */
  poke(): void;
  /** Publishes everything unpublished right now; resolves with how many it published. */
  flush(): Promise<number>;
  /** Stops polling after the batch in flight. */
  stop(): Promise<void>;
}

interface OutboxRow {
  position: string;
  event_id: string;
  type: string;
  occurred_at: Date | string;
  data: Record<string, unknown>;
}

/**
 * Publishes outbox rows in order. Rows are claimed with `FOR UPDATE SKIP
 * LOCKED`, so several replicas relay side by side without publishing a row
 * twice while it is being published; a crash between publish and commit
 * publishes the row again later (at-least-once: consumers dedupe by event id).
 * A batch's events are sent to the bus together, in order, and awaited
 * together; when the broker refuses one (a timeout, say), the events before it
 * are marked and the rest are sent again by the next batch, so an event the
 * broker took after a refused one may reach consumers before it.
 */
export function startOutboxRelay(db: SqlDatabase, bus: EventBus, options: OutboxRelayOptions = {}): OutboxRelay {
  const intervalMs = options.intervalMs ?? 250;
  const batchSize = options.batchSize ?? 100;
  let stopped = false;
  let running: Promise<number> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;

  const publishBatch = (): Promise<number> =>
    db.transaction(async (tx) => {
      const { rows } = await tx.query<OutboxRow>(
        `SELECT position, event_id, type, occurred_at, data FROM event_outbox
          WHERE published_at IS NULL ORDER BY position LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [batchSize],
      );
      // Every publish of the batch is sent before any answer is awaited (one write and one round trip to the
      // broker per batch, not per event); the bus keeps the order of its calls. Marked published: the events up
      // to the first one the broker did not take. That one and those after it stay for the next batch (any of
      // them the broker did take is published again, and deduplicated by its event id).
      const answers = await Promise.allSettled(
        rows.map((row) => bus.publish({ eventId: row.event_id, type: row.type, occurredAt: new Date(row.occurred_at).toISOString(), data: row.data })),
      );
      const refused = answers.findIndex((answer) => answer.status === "rejected");
      const published = refused === -1 ? rows : rows.slice(0, refused);
      if (published.length > 0) {
        await tx.query("UPDATE event_outbox SET published_at = now() WHERE position = ANY($1::bigint[])", [published.map((r) => r.position)]);
      }
      return { published: published.length, failure: refused === -1 ? undefined : (answers[refused] as PromiseRejectedResult) };
    }).then(({ published, failure }) => {
      if (failure) throw failure.reason;
      return published;
    });

  const flush = async (): Promise<number> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      let total = 0;
      try {
        for (;;) {
          again = false;
          const n = await publishBatch();
          total += n;
          if (n < batchSize && !again) return total;
        }
      } finally {
        running = undefined;
      }
    })();
    return running;
  };

  const tick = (): void => {
    if (stopped) return;
    flush()
      .catch((error: unknown) => options.onError?.(error))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, intervalMs);
      });
  };
  timer = setTimeout(tick, 0);

  const coalesceMs = options.coalesceMs ?? 0;
  let wake: NodeJS.Timeout | undefined;
  const publishNow = (): void => {
    wake = undefined;
    void flush().catch((error: unknown) => options.onError?.(error));
  };

  return {
    poke: () => {
      if (stopped) return;
      if (coalesceMs <= 0) publishNow();
      else wake ??= setTimeout(publishNow, coalesceMs);
    },
    flush,
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      if (wake) {
        clearTimeout(wake);
        wake = undefined;
        await flush().catch((error: unknown) => options.onError?.(error));
      }
      await running?.catch(() => undefined);
    },
  };
}
