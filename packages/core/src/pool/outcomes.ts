// Worker side: a batch's item results as the worker collects them, and the
// reply they make. A counted batch (the engine keeps no results) that all
// succeeded is one count, not an object per item.
import type { BatchReply, ItemResult } from './messages.js';

/**
 * A batch's item results as they come. Counted, succeeded items are a count while nothing else
 * happened, and a result is left out when it is a primitive: one that is not (an object, a
 * function) still crosses, so a result that cannot be cloned still fails its item (see reply()).
 */
export class Outcomes {
  private readonly list: ItemResult[] = [];
  private count = 0;
  private ms = 0;

  constructor(private readonly counted: boolean) {}

  succeeded(result: unknown, ms: number): void {
    if (!this.counted || !isPrimitive(result)) this.add({ outcome: 'succeeded', result, ms });
    else if (this.list.length === 0) {
      this.count++;
      this.ms += ms;
    } else this.list.push({ outcome: 'succeeded', ms });
  }

  add(item: ItemResult): void {
    if (this.count > 0) {
      // The reply must now list every item: the ones counted so far each get their average time.
      const ms = this.ms / this.count;
      for (let i = 0; i < this.count; i++) this.list.push({ outcome: 'succeeded', ms });
      this.count = 0;
      this.ms = 0;
    }
    this.list.push(item);
  }

  reply(): BatchReply {
    return this.counted && this.list.length === 0
      ? { succeeded: this.count, ms: this.ms }
      : { results: this.list };
  }
}

/** Values a structured clone always takes (a symbol is the primitive it refuses). */
function isPrimitive(value: unknown): boolean {
  return (
    value === null || (typeof value !== 'object' && typeof value !== 'function' && typeof value !== 'symbol')
  );
}
