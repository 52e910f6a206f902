// Stopping the engine: no new item starts, running items get drainMs to
// finish, then the threads still busy are terminated and their jobs recorded
// interrupted (never cancelled); queued jobs are interrupted too, except a
// schedule's next run, which stays queued for the next engine.
import type { EngineContext } from './context.js';
import type { ShutdownOptions, ShutdownReport } from './types.js';

const DEFAULT_DRAIN_MS = 10_000;

export class Shutdown {
  /** Set before the stop begins: what it finalizes on its first turn must not start anything. */
  closing = false;
  private closed: Promise<ShutdownReport> | undefined;
  /** Set while draining: the last batch of a drain calls it, and so does a second shutdown. */
  private drained: (() => void) | undefined;

  constructor(
    private readonly engine: EngineContext,
    /** Closes what the engine holds (its tick, pool, store and lock), once nothing runs. */
    private readonly release: () => Promise<void>,
  ) {}

  /** Called again while draining with `drainMs: 0`, it stops at once. */
  begin(options: ShutdownOptions): Promise<ShutdownReport> {
    if (this.closed) {
      if (options.drainMs === 0) this.drained?.();
      return this.closed;
    }
    this.closing = true;
    this.closed = this.stop(options);
    return this.closed;
  }

  /** A batch ended: the drain is over once no batch is out. */
  batchEnded(): void {
    if (this.drained && [...this.engine.active.values()].every((active) => active.batches.size === 0))
      this.drained();
  }

  private async stop(options: ShutdownOptions): Promise<ShutdownReport> {
    const { engine } = this;
    const reason = options.reason ?? 'the engine stopped';
    const drainMs = options.drainMs ?? engine.options.drainMs ?? DEFAULT_DRAIN_MS;
    engine.queue.close();
    const report: ShutdownReport = { drained: [], interrupted: [] };
    for (const job of [...engine.live.values()]) {
      if (engine.active.has(job.id)) continue;
      // A schedule's next run stays queued in the store: the next engine starts it when due.
      if (engine.runs.isWaitingRun(job)) continue;
      engine.queue.remove(job.id);
      engine.finalize(job, 'interrupted', null, { message: reason });
      report.interrupted.push(job.id);
    }
    const running = [...engine.active.values()];
    options.onDrain?.(running.map((job) => job.snapshot));
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, drainMs);
      this.drained = () => {
        clearTimeout(timer);
        resolve();
      };
      // Nothing out on a thread: no batch will call drained(), so this does (and clears the timer).
      if (running.every((job) => job.batches.size === 0)) this.drained();
    });
    this.drained = undefined;
    const left = [...engine.active.values()];
    await Promise.all(
      left.map((job) => {
        job.interruptedBy = reason;
        job.enumeration.abort();
        job.resumeEnumeration?.();
        job.pending.length = 0;
        const finished = engine.waitFor(job.snapshot.id);
        for (const batch of job.batches) void batch.slot.terminate();
        // Nothing in flight: nothing will call back, so it is recorded here.
        engine.afterBatch(job);
        return finished;
      }),
    );
    for (const job of running)
      (left.includes(job) ? report.interrupted : report.drained).push(job.snapshot.id);
    await this.release();
    return report;
  }
}
