// A job's items waiting for a thread, in order: a ring of two arrays (each
// item's index, and the item), not an object per item. For a million tiny
// items, an object each that lived through a young-generation collection or
// two was most of what the engine's heap kept, and what made V8 grow its
// young generation to the maximum (see bench/items). The ring only grows, so a
// long job reuses the same two arrays throughout.
import type { PendingItem } from '../rules/item-events.js';

/** Items handed to one batch, and their positions in the job. */
export interface TakenItems {
  items: unknown[];
  /** Position of the first item; the others follow it one by one unless `indices` says otherwise. */
  first: number;
  /** Each item's position, only when they are not consecutive (a resume skipped some, a rerun). */
  indices: number[] | null;
}

/** The position in the job of a batch's `i`th item. */
export const indexAt = (taken: TakenItems, i: number): number =>
  taken.indices ? taken.indices[i]! : taken.first + i;

export class PendingQueue {
  // Packed arrays, and batches cut from them by slice(), which keeps them packed: V8 clones a
  // holey array (new Array(n) or map() make one, even once full) element by element as a sparse
  // object, four times slower than a packed one and twice the bytes.
  private indices = packed(16, 0);
  private items = packed<unknown>(16, undefined);
  private head = 0;
  private size = 0;

  get length(): number {
    return this.size;
  }

  /** Keeps the first `count` items (0: drops every one). */
  set length(count: number) {
    while (this.size > Math.max(0, count)) {
      this.size--;
      this.items[this.slot(this.size)] = undefined;
    }
  }

  add(index: number, item: unknown): void {
    if (this.size === this.indices.length) this.grow();
    const at = this.slot(this.size++);
    this.indices[at] = index;
    this.items[at] = item;
  }

  push(...pending: PendingItem[]): void {
    for (const { index, item } of pending) this.add(index, item);
  }

  /** Puts items back at the front, in their order (the rest of a batch whose thread died). */
  unshift(...pending: PendingItem[]): void {
    while (this.size + pending.length > this.indices.length) this.grow();
    for (let i = pending.length - 1; i >= 0; i--) {
      this.head = (this.head - 1 + this.indices.length) % this.indices.length;
      this.size++;
      this.indices[this.head] = pending[i]!.index;
      this.items[this.head] = pending[i]!.item;
    }
  }

  /** The first `count` items (fewer when fewer wait), out of the queue. */
  take(count: number): TakenItems {
    const n = Math.min(count, this.size);
    const end = this.head + n;
    const capacity = this.indices.length;
    const cut = <T>(ring: T[]) =>
      end <= capacity
        ? ring.slice(this.head, end)
        : ring.slice(this.head).concat(ring.slice(0, end - capacity));
    const first = n > 0 ? this.indices[this.head]! : 0;
    // Each position checked, not only the last: two dead threads' items put back wait out of order
    // (4, 5, 1, 2, 8 spans 4..8 like five consecutive ones), and a wrong index records the wrong item.
    let consecutive = true;
    for (let k = 1, at = this.head + 1; k < n && consecutive; k++, at++) {
      if (at === capacity) at = 0;
      consecutive = this.indices[at] === first + k;
    }
    const taken: TakenItems = {
      items: cut(this.items),
      first,
      indices: consecutive ? null : cut(this.indices),
    };
    // The queue lets go of what it handed out.
    this.items.fill(undefined, this.head, Math.min(end, capacity));
    if (end > capacity) this.items.fill(undefined, 0, end - capacity);
    this.head = end % capacity;
    this.size -= n;
    return taken;
  }

  private slot(offset: number): number {
    return (this.head + offset) % this.indices.length;
  }

  private grow(): void {
    const capacity = this.indices.length * 2;
    const indices = packed(capacity, 0);
    const items = packed<unknown>(capacity, undefined);
    for (let i = 0; i < this.size; i++) {
      indices[i] = this.indices[this.slot(i)]!;
      items[i] = this.items[this.slot(i)];
    }
    this.indices = indices;
    this.items = items;
    this.head = 0;
  }
}

function packed<T>(length: number, value: T): T[] {
  return Array.from({ length }, () => value);
}
