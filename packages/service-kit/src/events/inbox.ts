import type { EventEnvelope } from "@blessed-horizon/contracts";
import type { SqlQueryable } from "./sql.js";

/**
 * Applies an event's effect once per consumer: the event id is recorded in the
 * same transaction as the effect, so a redelivery after a crash or a duplicate
 * publish is skipped, and an effect that throws records nothing (the bus
 * delivers the event again). Resolves true if the effect ran, false if the
 * event had already been applied.
 */
export async function processOnce<Tx extends SqlQueryable>(
  db: { transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> },
  consumer: string,
  event: Pick<EventEnvelope, "eventId">,
  effect: (tx: Tx) => Promise<void>,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query(
      "INSERT INTO processed_events (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING event_id",
      [consumer, event.eventId],
    );
    if (rows.length === 0) return false;
    await effect(tx);
    return true;
  });
}
