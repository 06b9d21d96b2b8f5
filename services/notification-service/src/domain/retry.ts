import { backoffDelay } from "@blessed-horizon/contracts/backoff";

/** A notification is tried at most this many times, then dead-lettered. */
export const MAX_ATTEMPTS = 8;

export interface RetryPolicy {
  baseMs: number;
  maxMs: number;
  maxAttempts: number;
}

export const DEFAULT_RETRY: RetryPolicy = { baseMs: 1_000, maxMs: 3_600_000, maxAttempts: MAX_ATTEMPTS };

/**
 * What happens after failed attempt number `attempt` (1-based): another try
 * after an exponential backoff with full jitter (AWS Architecture Blog,
 * "Exponential Backoff And Jitter": sleep = random(0, min(cap, base * 2^n))),
 * or the dead letter once `maxAttempts` have failed.
 */
export function afterFailure(attempt: number, policy: RetryPolicy = DEFAULT_RETRY, random: () => number = Math.random): { retryInMs: number } | { deadLetter: true } {
  if (attempt >= policy.maxAttempts) return { deadLetter: true };
  return { retryInMs: backoffDelay(attempt, { jitter: "full", baseMs: policy.baseMs, capMs: policy.maxMs }, random) };
}
