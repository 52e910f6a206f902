// "Did you mean" for a mistyped name: the closest candidate within a small
// edit distance (adjacent swaps count as one edit: `rnu` → `run`).

/** Optimal string alignment distance between a and b. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** The candidate closest to `word`, if one is close enough to be a typo of it. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.max(1, Math.floor(word.length / 3));
  let best: { name: string; score: number } | undefined;
  for (const name of candidates) {
    const score = distance(word.toLowerCase(), name.toLowerCase());
    if (score <= limit && (!best || score < best.score)) best = { name, score };
  }
  return best?.name;
}

/** ` (did you mean "x"?)` when a candidate is close, else an empty string. */
export function didYouMean(word: string, candidates: Iterable<string>, quote = '"'): string {
  const name = closest(word, candidates);
  return name === undefined ? '' : ` (did you mean ${quote}${name}${quote}?)`;
}
