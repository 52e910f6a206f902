// Medians and percentiles over samples. Nearest-rank percentiles: p99 of 1,000
// samples is the 990th smallest, a real observation, not an interpolation.

export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) throw new Error('percentile of no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export const median = (samples: readonly number[]): number => {
  if (samples.length === 0) throw new Error('median of no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Each contender once per round, in an order rotated every round, so drift on a shared machine spreads evenly. */
export function rotated<T>(items: readonly T[], round: number): T[] {
  const shift = round % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

/** Milliseconds since the epoch with sub-millisecond precision, comparable across worker threads. */
export const nowAbs = (): number => performance.timeOrigin + performance.now();
