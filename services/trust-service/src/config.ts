import { baseConfigSchema } from "@blessed-horizon/service-kit";
import { z } from "zod";
import { DEFAULT_TRUST_CONFIG, DEFAULT_WEIGHTS, REASON_CODES, type ReasonCode, type TrustConfig } from "./domain/config.js";

export const SERVICE_NAME = "trust-service";
export const SERVICE_VERSION = "0.1.0";
export const TRUST_DEFAULTS = { PORT: "8084" } as const;

const count = (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback);
const score = (fallback: number) => z.coerce.number().int().min(0).max(100).default(fallback);
const ratio = (fallback: number) => z.coerce.number().gt(0).lte(1).default(fallback);

type WeightVariable = `TRUST_WEIGHT_${Uppercase<ReasonCode>}`;
const weightVariable = (code: ReasonCode) => `TRUST_WEIGHT_${code.toUpperCase()}` as WeightVariable;
const weightSettings = Object.fromEntries(REASON_CODES.map((code) => [weightVariable(code), score(DEFAULT_WEIGHTS[code])])) as Record<WeightVariable, ReturnType<typeof score>>;

const rules = DEFAULT_TRUST_CONFIG;

/**
 * The kit's variables plus every threshold and weight of the risk rules
 * (`TRUST_*`, README "Rules"), so operators tune without a release; defaults
 * follow issue 5 (and Stripe Radar's review/block scores).
 */
export const trustConfigSchema = baseConfigSchema
  .extend({
    TRUST_REVIEW_FROM: score(rules.reviewFrom),
    TRUST_BLOCK_FROM: score(rules.blockFrom),
    TRUST_IP_PER_HOUR: count(rules.ipPerHour),
    TRUST_DONOR_PER_HOUR: count(rules.donorPerHour),
    TRUST_DONOR_CAMPAIGN_PER_HOUR: count(rules.donorCampaignPerHour),
    TRUST_CARD_TESTING_DAYS: count(rules.cardTestingDays, 1),
    TRUST_CARD_TESTING_MIN_ATTEMPTS: count(rules.cardTestingMinAttempts, 1),
    TRUST_CARD_TESTING_FAILURE_RATIO: ratio(rules.cardTestingFailureRatio),
    TRUST_CARD_TESTING_WINDOW: count(rules.cardTestingWindow, 1),
    TRUST_AMOUNT_PERCENTILE: ratio(rules.amountPercentile),
    TRUST_AMOUNT_MIN_SAMPLES: count(rules.amountMinSamples, 1),
    TRUST_AMOUNT_SAMPLE: count(rules.amountSample, 1),
    TRUST_ORGANIZER_CAMPAIGNS_PER_DAY: count(rules.organizerCampaignsPerDay),
    ...weightSettings,
  })
  .superRefine((config, ctx) => {
    if (config.TRUST_BLOCK_FROM < config.TRUST_REVIEW_FROM) {
      ctx.addIssue({ code: "custom", path: ["TRUST_BLOCK_FROM"], message: `must not be below TRUST_REVIEW_FROM (${config.TRUST_REVIEW_FROM})` });
    }
    // A window smaller than the minimum could never hold enough attempts: card testing would never trip.
    if (config.TRUST_CARD_TESTING_WINDOW < config.TRUST_CARD_TESTING_MIN_ATTEMPTS) {
      ctx.addIssue({
        code: "custom",
        path: ["TRUST_CARD_TESTING_WINDOW"],
        message: `must not be below TRUST_CARD_TESTING_MIN_ATTEMPTS (${config.TRUST_CARD_TESTING_MIN_ATTEMPTS})`,
      });
    }
  });

export type TrustServiceConfig = Omit<z.infer<typeof trustConfigSchema>, "JWT_SECRET"> & { JWT_SECRET: string };

/** The rules' thresholds and weights out of the loaded configuration. */
export function trustRules(config: Omit<z.infer<typeof trustConfigSchema>, keyof z.infer<typeof baseConfigSchema>>): TrustConfig {
  return {
    reviewFrom: config.TRUST_REVIEW_FROM,
    blockFrom: config.TRUST_BLOCK_FROM,
    ipPerHour: config.TRUST_IP_PER_HOUR,
    donorPerHour: config.TRUST_DONOR_PER_HOUR,
    donorCampaignPerHour: config.TRUST_DONOR_CAMPAIGN_PER_HOUR,
    cardTestingDays: config.TRUST_CARD_TESTING_DAYS,
    cardTestingMinAttempts: config.TRUST_CARD_TESTING_MIN_ATTEMPTS,
    cardTestingFailureRatio: config.TRUST_CARD_TESTING_FAILURE_RATIO,
    cardTestingWindow: config.TRUST_CARD_TESTING_WINDOW,
    amountPercentile: config.TRUST_AMOUNT_PERCENTILE,
    amountMinSamples: config.TRUST_AMOUNT_MIN_SAMPLES,
    amountSample: config.TRUST_AMOUNT_SAMPLE,
    organizerCampaignsPerDay: config.TRUST_ORGANIZER_CAMPAIGNS_PER_DAY,
    weights: Object.fromEntries(REASON_CODES.map((code) => [code, config[weightVariable(code)]])) as Record<ReasonCode, number>,
  };
}
