// A set of item indices kept as sorted, disjoint, half-open ranges: a job's
// succeeded items. Items finish nearly in order, so a million of them are a
// handful of ranges, small enough to store on every tick.

export class IndexSet {
  /** Flat [start, end, start, end, …], sorted, ranges neither overlapping nor touching. */
  private ranges: number[];
  private count: number;

  constructor(ranges: readonly number[] = []) {
    this.ranges = [...ranges];
    this.count = 0;
    for (let i = 0; i < this.ranges.length; i += 2) this.count += this.ranges[i + 1]! - this.ranges[i]!;
  }

  get size(): number {
    return this.count;
  }

  /** The ranges as stored: `[start, end, …]`, each end exclusive. */
  toJSON(): number[] {
    return this.ranges;
  }

  has(index: number): boolean {
    const at = this.rangeAtOrBefore(index);
    return at >= 0 && index < this.ranges[at + 1]!;
  }

  add(index: number): void {
    const r = this.ranges;
    const at = this.rangeAtOrBefore(index);
    if (at >= 0 && index < r[at + 1]!) return;
    this.count++;
    const joinsLeft = at >= 0 && r[at + 1] === index;
    const next = at + 2;
    const joinsRight = next < r.length && r[next] === index + 1;
    if (joinsLeft && joinsRight) {
      r.splice(at + 1, 2);
    } else if (joinsLeft) {
      r[at + 1] = index + 1;
    } else if (joinsRight) {
      r[next] = index;
    } else {
      r.splice(next, 0, index, index + 1);
    }
  }

  /** The position in `ranges` of the last range starting at or before `index`; -2 when none does. */
  private rangeAtOrBefore(index: number): number {
    const r = this.ranges;
    // Items mostly finish in order: the last range is the usual answer.
    if (r.length > 0 && r[r.length - 2]! <= index) return r.length - 2;
    let lo = 0;
    let hi = r.length / 2 - 1;
    let found = -2;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (r[mid * 2]! <= index) {
        found = mid * 2;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }
}
