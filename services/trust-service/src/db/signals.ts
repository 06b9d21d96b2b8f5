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
 * The latest first: the order of the (…, created_at) indexes, so that a LIMIT reads a few index entries even
 * for a value so common (a NAT's IP) that the planner would otherwise scan the table until it found enough.
 */
const LATEST = "ORDER BY created_at DESC";

/** Not this donation's own attempt ($7 its donationId; without one, every attempt is another's). */
const OTHERS = "($7::text IS NULL OR donation_id IS DISTINCT FROM $7::text)";

/**
 * Records a donation attempt and reads the counts the donation rules need,
 * including this attempt, in one statement (one round trip instead of five).
 * Undefined, with nothing recorded, when the donation (`donationId`) was
 * assessed already. The counts read the other donations' attempts only (a
 * data-modifying CTE's row is not visible to the rest of its statement, and
 * an attempt recorded by an earlier call that crashed before its assessment
 * is), so the attempt's own share (it matches its IP, its donor and its card,
 * and has no outcome yet) is added here, once, whether or not it was recorded
 * now.
 *
 * What it reads is bounded, not the table's history: each velocity count
 * reads at most its limit of the hour's attempts (enough to know whether the
 * limit is passed), card testing the card's latest `cardTestingWindow`
 * attempts within `cardTestingDays`, the percentile the campaign's latest
 * `amountSample` succeeded donations (none for a returning donor, or when
 * `amountMinSamples` exceeds the sample: the rule cannot apply), and whether
 * the donor is returning stops at their first succeeded donation (indexes:
 * migrations 0001 and 0002).
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
    returning_donor: boolean; n: number; p: string | null; suspended: string[] | null;
  }>(
    `WITH assessed AS (
       SELECT 1 FROM trust_assessments WHERE kind = 'donation' AND subject_id = $7
     ), recorded AS (
       INSERT INTO trust_attempts (id, donation_id, campaign_id, donor_key, ip, card_fingerprint, amount, currency, created_at)
       SELECT $10::uuid, $7::text, $4::text, $2::text, $1::text, $3::text, $11::bigint, $8::text, $12::timestamptz WHERE NOT EXISTS (SELECT 1 FROM assessed)
       ON CONFLICT (donation_id) DO NOTHING
     ), donor AS (
       SELECT EXISTS (SELECT 1 FROM trust_attempts WHERE donor_key = $2 AND outcome = 'succeeded') AS returning_donor
     ), card AS (
       SELECT count(*)::int AS card_attempts, (count(*) FILTER (WHERE outcome = 'failed'))::int AS card_failures
         FROM (SELECT outcome FROM trust_attempts WHERE card_fingerprint = $3 AND created_at > $6::timestamptz AND ${OTHERS}
                ${LATEST} LIMIT $17::bigint) latest
     ), amounts AS (
       SELECT count(*)::int AS n, (percentile_disc($9::float8) WITHIN GROUP (ORDER BY amount))::text AS p
         FROM (SELECT amount FROM trust_attempts
                WHERE $19::boolean AND NOT (SELECT returning_donor FROM donor) AND campaign_id = $4 AND currency = $8 AND outcome = 'succeeded'
                ${LATEST} LIMIT $18::bigint) sample
     )
     SELECT EXISTS (SELECT 1 FROM assessed) AS assessed,
            (SELECT count(*)::int FROM (SELECT 1 FROM trust_attempts WHERE ip = $1 AND created_at > $5::timestamptz AND ${OTHERS} ${LATEST} LIMIT $14::bigint) hit) AS ip_hour,
            (SELECT count(*)::int FROM (SELECT 1 FROM trust_attempts WHERE donor_key = $2 AND created_at > $5::timestamptz AND ${OTHERS} ${LATEST} LIMIT $15::bigint) hit) AS donor_hour,
            (SELECT count(*)::int FROM (SELECT 1 FROM trust_attempts WHERE donor_key = $2 AND campaign_id = $4 AND created_at > $5::timestamptz AND ${OTHERS} ${LATEST} LIMIT $16::bigint) hit) AS donor_campaign_hour,
            card.*, donor.returning_donor, amounts.*,
            (SELECT array_agg(kind) FROM trust_suspended_assets WHERE ${suspendedWhere(3, 13, 1)}) AS suspended
       FROM card, donor, amounts`,
    [input.ip, key, input.cardFingerprint, input.campaignId, hourAgo, cardSince, input.donationId ?? null, input.amount.currency,
      config.amountPercentile, attempt.id, input.amount.amount, now.toISOString(), input.email ?? null,
      // Earlier attempts only: this one is added below, so the counts stop at the limit plus one.
      config.ipPerHour, config.donorPerHour, config.donorCampaignPerHour, config.cardTestingWindow - 1,
      config.amountSample, config.amountMinSamples <= config.amountSample],
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
    newDonor: !row.returning_donor,
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
