/**
 * How retries spread out, as the AWS Architecture Blog's "Exponential Backoff
 * And Jitter" (2015) names them: `full` waits random(0, step), which spreads
 * racing clients out most; `equal` waits step/2 + random(0, step/2), never
 * less than half the step; `none` waits the step itself.
 */
export type Jitter = "full" | "equal" | "none";

/** A backoff: the step doubles from `baseMs` with each retry, up to `capMs`; `jitter` randomises it. */
export interface BackoffPolicy {
  jitter: Jitter;
  baseMs: number;
  capMs: number;
}

/**
 * The wait before retry number `retry` (1 is the first retry), in whole
 * milliseconds: the step min(cap, base * 2^(retry - 1)), jittered as the
 * policy says. `random` returns [0, 1), like Math.random.
 */
export function backoffDelay(retry: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const step = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, retry - 1));
  switch (policy.jitter) {
    case "full":
      return Math.floor(random() * step);
    case "equal":
      return Math.floor(step / 2 + (random() * step) / 2);
    case "none":
      return step;
  }
}
