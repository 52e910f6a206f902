// The worker's free threads, handed out in the order chunks asked for them. A
// chunk taken ahead asks with a timeout: when none comes free in time it goes
// back to the queue for another worker (chunks.ts).
export class SlotQueue<Slot> {
  private readonly free: Slot[];
  private readonly waiters: ((slot: Slot | undefined) => void)[] = [];

  constructor(slots: readonly Slot[]) {
    this.free = [...slots];
  }

  /** A free thread, or undefined when none came free within `timeoutMs`. */
  acquire(timeoutMs?: number): Promise<Slot | undefined> {
    const slot = this.free.shift();
    if (slot) return Promise.resolve(slot);
    return new Promise((resolve) => {
      const waiter = (slot: Slot | undefined) => {
        clearTimeout(timer);
        resolve(slot);
      };
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              this.waiters.splice(this.waiters.indexOf(waiter), 1);
              resolve(undefined);
            }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  release(slot: Slot): void {
    const waiter = this.waiters.shift();
    if (waiter) waiter(slot);
    else this.free.push(slot);
  }
}
