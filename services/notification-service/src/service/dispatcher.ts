import { createEvent } from "@blessed-horizon/contracts";
import { outboxValues, type Database, type WriteEvent } from "@blessed-horizon/service-kit";
import type { Channel } from "../domain/preferences.js";
import { afterFailure, DEFAULT_RETRY, type RetryPolicy } from "../domain/retry.js";
import { toNotification, type Notification, type NotificationRow } from "../db/notifications.js";

/** Delivers one message on one channel; throws when it did not arrive. */
export type Send = (notification: Notification) => Promise<void>;
export type Senders = Record<Exclude<Channel, "in_app">, Send>;

export interface DispatchDeps {
  db: Database;
  senders: Senders;
  /** Writes the events of failures; a delivery's event is written with the kit's outboxValues, by the statement that marks it sent. */
  writeEvent: WriteEvent;
  policy?: RetryPolicy;
  batchSize?: number;
  /** How long a claimed message is ours; a crashed dispatcher's claims expire and another takes over. */
  leaseMs?: number;
  now?: () => Date;
  random?: () => number;
  /** Told every outcome, e.g. for metrics. */
  onOutcome?: (channel: Channel, outcome: keyof DispatchResult) => void;
}

export interface DispatchResult {
  sent: number;
  retrying: number;
  deadLettered: number;
}

/**
 * Sends every message that is due, once each: claims a batch (a lease, so
 * replicas never send one message at the same time), sends outside any
 * transaction, then records the outcome and its event together (a delivery
 * in one statement, a failure in one transaction).
 */
export async function dispatchDue(deps: DispatchDeps): Promise<DispatchResult> {
  const now = deps.now?.() ?? new Date();
  const leaseUntil = new Date(now.getTime() + (deps.leaseMs ?? 60_000));
  const { rows } = await deps.db.query<NotificationRow>(
    `UPDATE notifications SET lease_until = $3::timestamptz
      WHERE id IN (SELECT id FROM notifications
                    WHERE status = 'pending' AND next_attempt_at <= $1::timestamptz AND (lease_until IS NULL OR lease_until <= $1::timestamptz)
                    ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED)
      RETURNING *`,
    [now.toISOString(), deps.batchSize ?? 50, leaseUntil.toISOString()],
  );
  const result: DispatchResult = { sent: 0, retrying: 0, deadLettered: 0 };
  await Promise.all(
    rows.map(async (row) => {
      const outcome = await deliver(deps, toNotification(row));
      result[outcome] += 1;
      deps.onOutcome?.(row.channel, outcome);
    }),
  );
  return result;
}

async function deliver(deps: DispatchDeps, n: Notification): Promise<keyof DispatchResult> {
  const attempt = n.attempts + 1;
  const ref = { notificationId: n.id, recipientId: n.recipientId, channel: n.channel, category: n.category, sourceEventId: n.sourceEventId, attempts: attempt };
  let error: string;
  try {
    if (n.channel === "in_app") throw new Error("in-app messages are delivered when written");
    await deps.senders[n.channel](n);
    const at = deps.now?.() ?? new Date();
    // Marked sent and announced by one statement (the outbox row inserted from the updated row), no transaction of its own.
    await deps.db.query(
      `WITH sent AS (
         UPDATE notifications SET status = 'sent', attempts = $2, sent_at = $3::timestamptz, lease_until = NULL, last_error = NULL, next_attempt_at = NULL
          WHERE id = $1 RETURNING id)
       INSERT INTO event_outbox (event_id, type, occurred_at, data) SELECT $4::uuid, $5::text, $6::timestamptz, $7::jsonb FROM sent`,
      [n.id, attempt, at.toISOString(), ...outboxValues(createEvent("notification.delivered", ref, at))],
    );
    return "sent";
  } catch (cause) {
    error = (cause instanceof Error ? cause.message : String(cause)).slice(0, 1000) || "unknown error";
  }
  const at = deps.now?.() ?? new Date();
  const next = afterFailure(attempt, deps.policy ?? DEFAULT_RETRY, deps.random);
  await deps.db.transaction(async (tx) => {
    if ("deadLetter" in next) {
      await tx.query(`UPDATE notifications SET status = 'dead', attempts = $2, last_error = $3, lease_until = NULL, next_attempt_at = NULL WHERE id = $1`, [n.id, attempt, error]);
      await deps.writeEvent(tx, createEvent("notification.dead_lettered", { ...ref, error }, at));
    } else {
      const retryAt = new Date(at.getTime() + next.retryInMs).toISOString();
      await tx.query(`UPDATE notifications SET attempts = $2, last_error = $3, lease_until = NULL, next_attempt_at = $4::timestamptz WHERE id = $1`, [n.id, attempt, error, retryAt]);
      await deps.writeEvent(tx, createEvent("notification.failed", { ...ref, error, willRetry: true }, at));
    }
  });
  return "deadLetter" in next ? "deadLettered" : "retrying";
}

export interface Dispatcher {
  /** Look for due messages now (after new ones were queued). */
  poke(): void;
  /** Dispatches until nothing is due right now; resolves with what happened. */
  drain(): Promise<DispatchResult>;
  stop(): Promise<void>;
}

/** Polls for due messages every `intervalMs` (retries come due by time, not by a poke). */
export function startDispatcher(
  deps: DispatchDeps & { intervalMs?: number; onError?: (error: unknown) => void; /** After a drain that recorded outcomes (and their events). */ onDispatched?: () => void },
): Dispatcher {
  let stopped = false;
  let running: Promise<DispatchResult> | undefined;
  let timer: NodeJS.Timeout | undefined;

  const drain = (): Promise<DispatchResult> => {
    running ??= (async () => {
      const total: DispatchResult = { sent: 0, retrying: 0, deadLettered: 0 };
      try {
        for (;;) {
          const r = await dispatchDue(deps);
          total.sent += r.sent;
          total.retrying += r.retrying;
          total.deadLettered += r.deadLettered;
          if (r.sent + r.retrying + r.deadLettered < (deps.batchSize ?? 50) || stopped) {
            if (total.sent + total.retrying + total.deadLettered > 0) deps.onDispatched?.();
            return total;
          }
        }
      } finally {
        running = undefined;
      }
    })();
    return running;
  };
  const report = (error: unknown) => deps.onError?.(error);
  const tick = () => {
    if (stopped) return;
    drain()
      .catch(report)
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, deps.intervalMs ?? 500);
      });
  };
  timer = setTimeout(tick, 0);
  return {
    poke: () => {
      if (!stopped) void drain().catch(report);
    },
    drain,
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running?.catch(() => undefined);
    },
  };
}
