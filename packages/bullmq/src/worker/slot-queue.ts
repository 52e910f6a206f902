// The worker's free threads, handed out in the order chunks asked for them. A
// chunk taken ahead asks with a timeout: when none comes free in time it goes
// back to the queue for another worker (chunks.ts). A waiter may carry a tag,
// by which a chunk that got a thread takes waiting chunks of its job along on
// it (`take`): they get no thread of their own.

interface Waiter<Slot, Tag> {
  resolve(slot: Slot | undefined): void;
  timer: NodeJS.Timeout | undefined;
  tag: Tag | undefined;
}

export class SlotQueue<Slot, Tag = never> {
  private readonly free: Slot[];
  private readonly waiters: Waiter<Slot, Tag>[] = [];

  constructor(slots: readonly Slot[]) {
    this.free = [...slots];
  }

  /** A free thread, or undefined when none came free within `timeoutMs` (or the waiter was taken). */
  acquire(timeoutMs?: number, tag?: Tag): Promise<Slot | undefined> {
    const slot = this.free.shift();
    if (slot) return Promise.resolve(slot);
    return new Promise((resolve) => {
      const waiter: Waiter<Slot, Tag> = { resolve, timer: undefined, tag };
      if (timeoutMs !== undefined)
        waiter.timer = setTimeout(() => {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          resolve(undefined);
        }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /**
   * Takes up to `limit` tagged waiters that `match` out of the line, in their order; their acquire
   * resolves undefined once the caller (synchronously) has marked them as taken.
   */
  take(match: (tag: Tag) => boolean, limit: number): Tag[] {
    const taken: Waiter<Slot, Tag>[] = [];
    for (let i = 0; i < this.waiters.length && taken.length < limit; ) {
      const waiter = this.waiters[i]!;
      if (waiter.tag !== undefined && match(waiter.tag)) {
        this.waiters.splice(i, 1);
        clearTimeout(waiter.timer);
        taken.push(waiter);
      } else i++;
    }
    queueMicrotask(() => {
      for (const waiter of taken) waiter.resolve(undefined);
    });
    return taken.map((waiter) => waiter.tag!);
  }

  release(slot: Slot): void {
    const waiter = this.waiters.shift();
    if (!waiter) {
      this.free.push(slot);
      return;
    }
    clearTimeout(waiter.timer);
    waiter.resolve(slot);
  }
}
