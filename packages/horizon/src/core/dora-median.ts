/** The median (PERCENTILE_CONT 0.5: the mean of the middle two of an even count); null for none. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid]) : ((sorted[mid - 1]) + (sorted[mid])) / 2;
}
