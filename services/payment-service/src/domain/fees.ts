/**
 * The processor's fee for a charge, in the charge's minor units: a rate in
 * basis points plus a fixed part, rounded half up (integer arithmetic only).
 * The sandbox uses Stripe's standard card pricing, 2.9% + 30.
 */
export function processorFee(charged: number, rateBasisPoints = 290, fixed = 30): number {
  if (charged === 0) return 0;
  return Math.floor((charged * rateBasisPoints + 5_000) / 10_000) + fixed;
}
