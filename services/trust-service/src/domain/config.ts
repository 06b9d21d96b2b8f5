/**
 * Every threshold of the risk rules. Defaults follow issue 5 (and Stripe
 * Radar's review/block scores); each is a `TRUST_*` setting of the service's
 * config schema (`src/config.ts`, README), so operators tune without a release.
 */
export interface TrustConfig {
  /** A score at or above this puts the subject in review. */
  reviewFrom: number;
  /** A score at or above this blocks. */
  blockFrom: number;
  /** More than this many attempts per hour from one IP trips `ip_velocity`. */
  ipPerHour: number;
  /** More than this many attempts per hour from one donor trips `donor_velocity`. */
  donorPerHour: number;
  /** More than this many attempts per hour from one donor to one campaign trips `donor_campaign_velocity`. */
  donorCampaignPerHour: number;
  /** Card testing: within this many days ... */
  cardTestingDays: number;
  /** ... at least this many attempts with one card ... */
  cardTestingMinAttempts: number;
  /** ... of which at least this share failed (0-1) ... */
  cardTestingFailureRatio: number;
  /** ... counting only the card's latest this-many attempts in those days (at least `cardTestingMinAttempts`). */
  cardTestingWindow: number;
  /** An amount at or above this percentile (0-1) of the campaign's donations, from a new donor, trips `amount_outlier`. */
  amountPercentile: number;
  /** The percentile means nothing with fewer donations than this; the rule stays silent below it. */
  amountMinSamples: number;
  /** The percentile is over the campaign's latest this-many succeeded donations; below `amountMinSamples` the rule is off. */
  amountSample: number;
  /** More than this many campaign assessments per day from one organizer trips `organizer_velocity`. */
  organizerCampaignsPerDay: number;
  /** The score each rule adds when it trips (the total is capped at 100). */
  weights: Record<ReasonCode, number>;
}

export const REASON_CODES = [
  "suspended_card",
  "suspended_email",
  "suspended_ip",
  "card_testing",
  "ip_velocity",
  "donor_velocity",
  "donor_campaign_velocity",
  "amount_outlier",
  "organizer_velocity",
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

/** Suspended assets block on their own; velocity and outliers review alone and block together. */
export const DEFAULT_WEIGHTS: Record<ReasonCode, number> = {
  suspended_card: 100,
  suspended_email: 100,
  suspended_ip: 100,
  card_testing: 90,
  ip_velocity: 65,
  donor_velocity: 65,
  donor_campaign_velocity: 65,
  amount_outlier: 65,
  organizer_velocity: 65,
};

export const DEFAULT_TRUST_CONFIG: TrustConfig = {
  reviewFrom: 65,
  blockFrom: 75,
  ipPerHour: 5,
  donorPerHour: 10,
  donorCampaignPerHour: 2,
  cardTestingDays: 30,
  cardTestingMinAttempts: 10,
  cardTestingFailureRatio: 0.8,
  cardTestingWindow: 100,
  amountPercentile: 0.95,
  amountMinSamples: 20,
  amountSample: 1000,
  organizerCampaignsPerDay: 3,
  weights: DEFAULT_WEIGHTS,
};
