import type { DonationFailed, DonationSucceeded } from "@blessed-horizon/contracts";
import { randomUUID } from "node:crypto";
import { donorKey } from "../domain/input.js";
import type { SqlQueryable } from "@blessed-horizon/service-kit";

/**
 * Settles the attempt of a donation from `donation.succeeded` / `donation.failed`,
 * so velocity, card testing and the percentile rule count what happened.
 * A donation trust-service never assessed is recorded as a new attempt.
 */
export async function recordOutcome(
  q: SqlQueryable,
  outcome: "succeeded" | "failed",
  data: DonationSucceeded | DonationFailed,
  occurredAt: string,
): Promise<void> {
  await q.query(
    `INSERT INTO trust_attempts (id, donation_id, campaign_id, donor_key, ip, card_fingerprint, amount, currency, outcome, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::timestamptz)
     ON CONFLICT (donation_id) DO UPDATE SET outcome = EXCLUDED.outcome,
       donor_key = COALESCE(trust_attempts.donor_key, EXCLUDED.donor_key),
       card_fingerprint = COALESCE(trust_attempts.card_fingerprint, EXCLUDED.card_fingerprint),
       ip = COALESCE(trust_attempts.ip, EXCLUDED.ip)`,
    [
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
    ],
  );
}
