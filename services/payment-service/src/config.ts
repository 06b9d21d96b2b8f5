import { baseConfigSchema } from "@blessed-horizon/service-kit";
import { z } from "zod";

export const SERVICE_NAME = "payment-service";
export const SERVICE_VERSION = "0.1.0";
export const PAYMENT_DEFAULTS = { PORT: "8082" } as const;

/** 1,000,000.00 in a two-decimal currency (README "Configuration"). */
export const DEFAULT_MAX_DONATION_MINOR = 100_000_000;

const DEVELOPMENT_SECRET = "blessed-horizon-payment-development-secret";

/** payment-service settings on top of the kit's (README "Configuration"). */
export const paymentConfigSchema = baseConfigSchema.extend({
  CAMPAIGN_SERVICE_URL: z.url().default("http://127.0.0.1:8081"),
  TRUST_SERVICE_URL: z.url().default("http://127.0.0.1:8084"),
  PAYMENT_PROVIDER: z.enum(["sandbox"]).default("sandbox"),
  /** Key of the card fingerprint HMAC: the same card gives the same fingerprint only under the same key. */
  CARD_FINGERPRINT_SECRET: z.string().min(16, "must be at least 16 characters").default(DEVELOPMENT_SECRET),
  /** Secret the provider signs webhooks with (Stripe's whsec_...). */
  PROVIDER_WEBHOOK_SECRET: z.string().min(16, "must be at least 16 characters").default(DEVELOPMENT_SECRET),
  /** The most one donation (and, separately, its tip) may be, in minor units of its currency. */
  MAX_DONATION_MINOR: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).default(DEFAULT_MAX_DONATION_MINOR),
  /** How long payment-service trusts what it learnt of a campaign (active; its total raised far from 2^53); 0 asks every time (README "Campaign cache"). */
  CAMPAIGN_CACHE_TTL_MS: z.coerce.number().int().min(0).max(60_000).default(1_000),
  OUTBOX_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(250),
  /** How long the relay waits after a commit that wrote the outbox, so that several commits' events share one relay transaction. */
  OUTBOX_COALESCE_MS: z.coerce.number().int().min(0).max(1_000).default(50),
  /** The reconciler looks at start and then this often (README "Reconciler"). */
  RECONCILE_INTERVAL_MS: z.coerce.number().int().min(50).max(3_600_000).default(30_000),
  /** A NEW or PROCESSING donation or PENDING refund untouched this long belongs to a request that died (far longer than any provider call). */
  RECONCILE_AFTER_MS: z.coerce.number().int().min(100).max(86_400_000).default(60_000),
  /** An IN_REVIEW donation nobody decided within this many hours has its hold released (card holds last about 7 days). */
  REVIEW_WINDOW_HOURS: z.coerce.number().min(1).max(24 * 7).default(120),
  /** Test hook: the process kills itself right after this provider answer (honoured only with NODE_ENV=test). */
  PAYMENT_TEST_CRASH_POINT: z.enum(["after-capture", "after-refund"]).optional(),
}).superRefine((config, ctx) => {
  // Production must not run on the public development secrets.
  if (config.NODE_ENV !== "production") return;
  for (const key of ["CARD_FINGERPRINT_SECRET", "PROVIDER_WEBHOOK_SECRET"] as const) {
    if (config[key] === DEVELOPMENT_SECRET) ctx.addIssue({ code: "custom", path: [key], message: "is required when NODE_ENV=production" });
  }
});

export type PaymentConfig = Omit<z.infer<typeof paymentConfigSchema>, "JWT_SECRET"> & { JWT_SECRET: string };
