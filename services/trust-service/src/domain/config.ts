import { z } from "zod";

/**
 * Every threshold of the risk rules. Defaults follow issue 5 (and Stripe
 * Radar's review/block scores); each can be overridden through the
 * environment (`TRUST_*`, see README), so operators tune without a release.
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
  /** ... of which at least this share failed (0-1). */
  cardTestingFailureRatio: number;
  /** An amount at or above this percentile (0-1) of the campaign's donations, from a new donor, trips `amount_outlier`. */
  amountPercentile: number;
  /** The percentile means nothing with fewer donations than this; the rule stays silent below it. */
  amountMinSamples: number;
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
  amountPercentile: 0.95,
  amountMinSamples: 20,
  organizerCampaignsPerDay: 3,
  weights: DEFAULT_WEIGHTS,
};

export class TrustConfigError extends Error {
  override readonly name = "TrustConfigError";
}

const count = z.coerce.number().int().min(0);
const score = z.coerce.number().int().min(0).max(100);
const ratio = z.coerce.number().gt(0).lte(1);

const ENV_KEYS = {
  reviewFrom: ["TRUST_REVIEW_FROM", score],
  blockFrom: ["TRUST_BLOCK_FROM", score],
  ipPerHour: ["TRUST_IP_PER_HOUR", count],
  donorPerHour: ["TRUST_DONOR_PER_HOUR", count],
  donorCampaignPerHour: ["TRUST_DONOR_CAMPAIGN_PER_HOUR", count],
  cardTestingDays: ["TRUST_CARD_TESTING_DAYS", count.min(1)],
  cardTestingMinAttempts: ["TRUST_CARD_TESTING_MIN_ATTEMPTS", count.min(1)],
  cardTestingFailureRatio: ["TRUST_CARD_TESTING_FAILURE_RATIO", ratio],
  amountPercentile: ["TRUST_AMOUNT_PERCENTILE", ratio],
  amountMinSamples: ["TRUST_AMOUNT_MIN_SAMPLES", count.min(1)],
  organizerCampaignsPerDay: ["TRUST_ORGANIZER_CAMPAIGNS_PER_DAY", count],
} as const satisfies Record<Exclude<keyof TrustConfig, "weights">, readonly [string, z.ZodType<number>]>;

/**
 * Reads `TRUST_*` variables over the defaults. Weights: `TRUST_WEIGHT_<CODE>`,
 * e.g. `TRUST_WEIGHT_IP_VELOCITY=80`. A bad value is an error naming the variable.
 */
export function trustConfigFromEnv(env: Record<string, string | undefined>): TrustConfig {
  const config: TrustConfig = { ...DEFAULT_TRUST_CONFIG, weights: { ...DEFAULT_WEIGHTS } };
  for (const [field, [name, schema]] of Object.entries(ENV_KEYS)) {
    const raw = env[name];
    if (raw === undefined || raw === "") continue;
    config[field as keyof typeof ENV_KEYS] = parseValue(name, raw, schema);
  }
  for (const code of REASON_CODES) {
    const name = `TRUST_WEIGHT_${code.toUpperCase()}`;
    const raw = env[name];
    if (raw !== undefined && raw !== "") config.weights[code] = parseValue(name, raw, score);
  }
  if (config.blockFrom < config.reviewFrom) {
    throw new TrustConfigError(`TRUST_BLOCK_FROM (${config.blockFrom}) must not be below TRUST_REVIEW_FROM (${config.reviewFrom})`);
  }
  return config;
}

function parseValue(name: string, raw: string, schema: z.ZodType<number>): number {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new TrustConfigError(`${name}=${raw}: ${parsed.error.issues[0]?.message ?? "invalid"}`);
  return parsed.data;
}
