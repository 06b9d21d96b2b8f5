import type { TrustConfig } from "../domain/config.js";
import type { CampaignAssessmentInput, DonationAssessmentInput } from "../domain/input.js";
import { donorKey } from "../domain/input.js";
import type { CampaignSignals, DonationSignals, SuspendedHits } from "../domain/rules.js";
import type { SqlQueryable } from "@blessed-horizon/service-kit";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** The WHERE of the suspended assets matching a card, an email and an IP, given the numbers of their parameters. */
const suspendedWhere = (card: number, email: number, ip: number) =>
  `(kind = 'card_fingerprint' AND value = $${card}) OR (kind = 'email' AND value = $${email}) OR (kind = 'ip' AND value = $${ip})`;

function hits(kinds: readonly string[]): SuspendedHits {
  const found = new Set(kinds);
  return { card: found.has("card_fingerprint"), email: found.has("email"), ip: found.has("ip") };
}

/** Which of these assets are suspended. */
export async function suspendedHits(q: SqlQueryable, assets: { card?: string | undefined; email?: string | undefined; ip?: string | undefined }): Promise<SuspendedHits> {
  const { rows } = await q.query<{ kind: string }>(`SELECT kind FROM trust_suspended_assets WHERE ${suspendedWhere(1, 2, 3)}`, [
    assets.card ?? null, assets.email ?? null, assets.ip ?? null,
  ]);
  return hits(rows.map((r) => r.kind));
}

/**
 * Records a donation attempt and reads the counts the donation rules need,
 * including this attempt, in one statement (one round trip instead of five).
 * Undefined, with nothing recorded, when the donation (`donationId`) was
 * assessed already. A data-modifying CTE's row is not visible to the other
 * parts of its statement, so the attempt's own share (it matches its IP, its
 * donor and its card, and has no outcome yet) is added here.
 */
export async function recordDonationAttempt(
  q: SqlQueryable,
  attempt: { id: string; input: DonationAssessmentInput },
  config: TrustConfig,
  now: Date,
): Promise<DonationSignals | undefined> {
  const { input } = attempt;
  const key = donorKey(input);
  const hourAgo = new Date(now.getTime() - HOUR_MS).toISOString();
  const cardSince = new Date(now.getTime() - config.cardTestingDays * DAY_MS).toISOString();
  const { rows } = await q.query<{
    assessed: boolean; ip_hour: number; donor_hour: number; donor_campaign_hour: number; card_attempts: number; card_failures: number;
    returning: boolean | null; n: number; p: string | null; suspended: string[] | null;
  }>(
    `WITH assessed AS (
       SELECT 1 FROM trust_assessments WHERE kind = 'donation' AND subject_id = $7
     ), recorded AS (
       INSERT INTO trust_attempts (id, donation_id, campaign_id, donor_key, ip, card_fingerprint, amount, currency, created_at)
       SELECT $10::uuid, $7::text, $4::text, $2::text, $1::text, $3::text, $11::bigint, $8::text, $12::timestamptz WHERE NOT EXISTS (SELECT 1 FROM assessed)
       ON CONFLICT (donation_id) DO NOTHING
     ), counts AS (
       SELECT
         count(*) FILTER (WHERE ip = $1 AND created_at > $5::timestamptz)::int AS ip_hour,
         count(*) FILTER (WHERE donor_key = $2 AND created_at > $5::timestamptz)::int AS donor_hour,
         count(*) FILTER (WHERE donor_key = $2 AND campaign_id = $4 AND created_at > $5::timestamptz)::int AS donor_campaign_hour,
         count(*) FILTER (WHERE card_fingerprint = $3 AND created_at > $6::timestamptz)::int AS card_attempts,
         count(*) FILTER (WHERE card_fingerprint = $3 AND created_at > $6::timestamptz AND outcome = 'failed')::int AS card_failures,
         bool_or(donor_key = $2 AND outcome = 'succeeded') AS returning
       FROM trust_attempts
       WHERE ip = $1 OR donor_key = $2 OR card_fingerprint = $3
     ), amounts AS (
       SELECT count(*)::int AS n, (percentile_disc($9::float8) WITHIN GROUP (ORDER BY amount))::text AS p
         FROM trust_attempts WHERE campaign_id = $4 AND currency = $8 AND outcome = 'succeeded'
     )
     SELECT EXISTS (SELECT 1 FROM assessed) AS assessed, counts.*, amounts.*,
            (SELECT array_agg(kind) FROM trust_suspended_assets WHERE ${suspendedWhere(3, 13, 1)}) AS suspended
       FROM counts, amounts`,
    [input.ip, key, input.cardFingerprint, input.campaignId, hourAgo, cardSince, input.donationId ?? null, input.amount.currency,
      config.amountPercentile, attempt.id, input.amount.amount, now.toISOString(), input.email ?? null],
  );
  const row = rows[0];
  if (row.assessed) return undefined;
  const donor = key === null ? 0 : 1;
  return {
    kind: "donation",
    suspended: hits(row.suspended ?? []),
    ipAttemptsLastHour: row.ip_hour + 1,
    donorAttemptsLastHour: key === null ? null : row.donor_hour + donor,
    donorCampaignAttemptsLastHour: key === null ? null : row.donor_campaign_hour + donor,
    cardAttempts: row.card_attempts + 1,
    cardFailures: row.card_failures,
    amount: input.amount.amount,
    campaignPercentileAmount: row.n >= config.amountMinSamples && row.p !== null ? Number(row.p) : null,
    newDonor: row.returning !== true,
  };
}

/** Counts for a campaign; this campaign counts once however often it is assessed. */
export async function campaignSignals(q: SqlQueryable, input: CampaignAssessmentInput, now: Date): Promise<CampaignSignals> {
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
