/** Delay before the n-th redelivery (1-based): exponential from `baseMs`, capped, with full jitter so retries spread out. */
export function redeliveryDelay(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
