import type { DonationFailed, DonationSucceeded } from "@blessed-horizon/contracts";
import { randomUUID } from "node:crypto";
import { donorKey } from "../domain/input.js";
import type { SqlQueryable } from "@blessed-horizon/service-kit";

/**
 * Settles the attempt of a donation from `donation.succeeded` / `donation.failed`,
 * so velocity, card testing and the percentile rule count what happened.
 * A donation trust-service never assessed is recorded as a new attempt.
 * With `once`, the event is applied once per consumer: its id is recorded in
 * the kit's inbox (`processed_events`, as `processOnce` records it) by the same
 * statement, so one statement does what `processOnce`'s transaction did in
 * four round trips; resolves false, changing nothing, when the event was
 * applied before.
 */
export async function recordOutcome(
  q: SqlQueryable,
  outcome: "succeeded" | "failed",
  data: DonationSucceeded | DonationFailed,
  occurredAt: string,
  once?: { consumer: string; eventId: string },
): Promise<boolean> {
  const attempt = [
    randomUUID(),
    data.donationId,
    data.campaignId,
    donorKey({ donorId: data.donorId, email: data.email }),
    data.ip ?? null,
    data.cardFingerprint ?? null,
    data.amount.amount,
    data.amount.currency,
    outcome,
    occurredAt,
  ];
  // The attempt's values from a SELECT need their types spelled out (a VALUES list takes the columns').
  const source =
    once === undefined
      ? "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::timestamptz)"
      : "SELECT $1::uuid, $2::text, $3::text, $4::text, $5::text, $6::text, $7::bigint, $8::text, $9::text, $10::timestamptz FROM claimed";
  const { rows } = await q.query(
    `${once === undefined ? "" : "WITH claimed AS (INSERT INTO processed_events (consumer, event_id) VALUES ($11, $12) ON CONFLICT DO NOTHING RETURNING event_id) "}
     INSERT INTO trust_attempts (id, donation_id, campaign_id, donor_key, ip, card_fingerprint, amount, currency, outcome, created_at)
     ${source}
     ON CONFLICT (donation_id) DO UPDATE SET outcome = EXCLUDED.outcome,
       donor_key = COALESCE(trust_attempts.donor_key, EXCLUDED.donor_key),
       card_fingerprint = COALESCE(trust_attempts.card_fingerprint, EXCLUDED.card_fingerprint),
       ip = COALESCE(trust_attempts.ip, EXCLUDED.ip)
     RETURNING 1`,
    once === undefined ? attempt : [...attempt, once.consumer, once.eventId],
  );
  return rows.length > 0;
}
