import type { TrustConfig } from "../domain/config.js";
import type { CampaignAssessmentInput, DonationAssessmentInput } from "../domain/input.js";
import { donorKey } from "../domain/input.js";
import type { CampaignSignals, DonationSignals, SuspendedHits } from "../domain/rules.js";
import type { Queryable } from "./queryable.js";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Which of these assets are suspended. */
export async function suspendedHits(q: Queryable, assets: { card?: string | undefined; email?: string | undefined; ip?: string | undefined }): Promise<SuspendedHits> {
  const { rows } = await q.query<{ kind: string }>(
    `SELECT kind FROM trust_suspended_assets
      WHERE (kind = 'card_fingerprint' AND value = $1) OR (kind = 'email' AND value = $2) OR (kind = 'ip' AND value = $3)`,
    [assets.card ?? null, assets.email ?? null, assets.ip ?? null],
  );
  const kinds = new Set(rows.map((r) => r.kind));
  return { card: kinds.has("card_fingerprint"), email: kinds.has("email"), ip: kinds.has("ip") };
}

/**
 * The counts the donation rules need. Call after the attempt itself is
 * recorded, so that every count includes it.
 */
export async function donationSignals(q: Queryable, input: DonationAssessmentInput, config: TrustConfig, now: Date): Promise<DonationSignals> {
  const key = donorKey(input);
  const hourAgo = new Date(now.getTime() - HOUR_MS).toISOString();
  const cardSince = new Date(now.getTime() - config.cardTestingDays * DAY_MS).toISOString();
  const { rows } = await q.query<{ ip_hour: number; donor_hour: number; donor_campaign_hour: number; card_attempts: number; card_failures: number; returning: boolean | null }>(
    `SELECT
       count(*) FILTER (WHERE ip = $1 AND created_at > $5::timestamptz)::int AS ip_hour,
       count(*) FILTER (WHERE donor_key = $2 AND created_at > $5::timestamptz)::int AS donor_hour,
       count(*) FILTER (WHERE donor_key = $2 AND campaign_id = $4 AND created_at > $5::timestamptz)::int AS donor_campaign_hour,
       count(*) FILTER (WHERE card_fingerprint = $3 AND created_at > $6::timestamptz)::int AS card_attempts,
       count(*) FILTER (WHERE card_fingerprint = $3 AND created_at > $6::timestamptz AND outcome = 'failed')::int AS card_failures,
       bool_or(donor_key = $2 AND outcome = 'succeeded') AS returning
     FROM trust_attempts
     WHERE ip = $1 OR donor_key = $2 OR card_fingerprint = $3`,
    [input.ip, key, input.cardFingerprint, input.campaignId, hourAgo, cardSince],
  );
  const counts = rows[0];
  const percentile = await q.query<{ n: number; p: string | null }>(
    `SELECT count(*)::int AS n, (percentile_disc($3::float8) WITHIN GROUP (ORDER BY amount))::text AS p
       FROM trust_attempts WHERE campaign_id = $1 AND currency = $2 AND outcome = 'succeeded'`,
    [input.campaignId, input.amount.currency, config.amountPercentile],
  );
  const { n, p } = percentile.rows[0];
  return {
    kind: "donation",
    suspended: await suspendedHits(q, { card: input.cardFingerprint, email: input.email, ip: input.ip }),
    ipAttemptsLastHour: counts.ip_hour,
    donorAttemptsLastHour: key === null ? null : counts.donor_hour,
    donorCampaignAttemptsLastHour: key === null ? null : counts.donor_campaign_hour,
    cardAttempts: counts.card_attempts,
    cardFailures: counts.card_failures,
    amount: input.amount.amount,
    campaignPercentileAmount: n >= config.amountMinSamples && p !== null ? Number(p) : null,
    newDonor: counts.returning !== true,
  };
}

/** Counts for a campaign; this campaign counts once however often it is assessed. */
export async function campaignSignals(q: Queryable, input: CampaignAssessmentInput, now: Date): Promise<CampaignSignals> {
  const dayAgo = new Date(now.getTime() - DAY_MS).toISOString();
  const { rows } = await q.query<{ n: number }>(
    `SELECT count(DISTINCT subject_id)::int AS n FROM trust_assessments
      WHERE kind = 'campaign' AND actor_key = $1 AND created_at > $2::timestamptz AND subject_id <> $3`,
    [input.organizerId, dayAgo, input.campaignId],
  );
  return {
    kind: "campaign",
    suspended: await suspendedHits(q, { email: input.email, ip: input.ip }),
    organizerAssessmentsLastDay: rows[0].n + 1,
  };
}
