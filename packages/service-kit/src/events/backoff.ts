import { backoffDelay } from "@blessed-horizon/contracts/backoff";

/**
 * Delay before the n-th redelivery (1-based): exponential from `baseMs`,
 * capped at `maxMs`, with equal jitter: at least half the step, so a handler
 * failing on a dependency that is down is not called again at once, and
 * redeliveries of many events still spread out.
 */
export function redeliveryDelay(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  return backoffDelay(attempt, { jitter: "equal", baseMs, capMs: maxMs }, random);
}
