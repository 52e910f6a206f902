// Items per second over a job's run, counted from its own events replayed
// from the start (succeeded items come counted, one `items` event a tick;
// failed and cancelled ones one `item` event each). The details panel's one
// stream (job-stream.ts) feeds it.
import type { JobEvent } from '@threadline/core/client';

export interface Throughput {
  /** Items that got an outcome, by second since the job started: [succeeded, other]. */
  seconds: [number, number][];
  /** ms from which seconds count: the job's start (its first event while it waits in the queue). */
  from: number | null;
  done: boolean;
}

export const NO_THROUGHPUT: Throughput = { seconds: [], from: null, done: false };

export class ThroughputCounter {
  private readonly seconds: [number, number][] = [];
  private from: number | null = null;
  private started: number | null = null;

  /** Counts `event`; true when the chart changed. */
  add(event: JobEvent): boolean {
    this.from ??= event.at;
    if (event.type === 'started') this.started = event.at;
    else if (event.type === 'items') this.count(event, event.succeeded, 0);
    else if (event.type === 'item')
      this.count(event, event.outcome === 'succeeded' ? 1 : 0, event.outcome === 'succeeded' ? 0 : 1);
    else return false;
    return true;
  }

  private count(event: JobEvent, succeeded: number, other: number): void {
    // Seconds count from the start: a queued job waiting its turn has no throughput yet.
    const zero = this.started ?? this.from ?? event.at;
    const second = Math.max(0, Math.floor((event.at - zero) / 1000));
    while (this.seconds.length <= second) this.seconds.push([0, 0]);
    this.seconds[second]![0] += succeeded;
    this.seconds[second]![1] += other;
  }

  snapshot(done: boolean): Throughput {
    return { seconds: this.seconds.map((s) => [s[0], s[1]]), from: this.started ?? this.from, done };
  }
}
