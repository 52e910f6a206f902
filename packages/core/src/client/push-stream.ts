// Values pushed by callbacks (a subscription's onData, an event listener)
// read as an async iterable, in order, with nothing lost between a push and
// the reader's next turn. The one bridge of the engine's event hub and of the
// tRPC clients (Node and page).

export class PushStream<T> implements AsyncIterable<T> {
  private readonly queue: T[] = [];
  private head = 0;
  private wake: (() => void) | undefined;
  private ended = false;
  private failure: { error: unknown } | undefined;

  /** An aborted `signal` ends the iteration at the reader's next turn, without an error. */
  constructor(private readonly signal?: AbortSignal) {
    signal?.addEventListener('abort', () => this.notify(), { once: true });
  }

  push(value: T): void {
    this.queue.push(value);
    this.notify();
  }

  /** No more values: the reader gets what is queued, then `error` thrown, or the end. */
  end(error?: unknown): void {
    if (error !== undefined) this.failure ??= { error };
    this.ended = true;
    this.notify();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    while (!this.signal?.aborted) {
      if (this.head < this.queue.length) {
        const value = this.queue[this.head++] as T;
        // Read values are let go of in chunks, not with a shift() per value.
        if (this.head > 1024) {
          this.queue.splice(0, this.head);
          this.head = 0;
        }
        yield value;
        continue;
      }
      if (this.failure) throw this.failure.error;
      if (this.ended) return;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
