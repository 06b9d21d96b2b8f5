import { booleanFlag } from "@blessed-horizon/service-kit";
import type { FlagDefinition } from "@blessed-horizon/service-kit";

/**
 * payment-service's feature flags (keys in the environment's
 * flags.flagd.json). The coded defaults are the behaviour before flags, so
 * without a flags file (or with a flag absent or invalid) nothing changes.
 */
export const paymentFlags = {
  /**
   * Whether a donation may carry a tip (`tipAmount` above 0). Evaluated per
   * donation with the donor as `targetingKey` and the `campaignId`, so a file
   * can turn tips off for some campaigns or roll them out by donor.
   */
  donationTips: booleanFlag("donation-tips", true, "whether a donation may carry a tip (off: a non-zero tipAmount is refused with 422)"),
} satisfies Record<string, FlagDefinition>;
