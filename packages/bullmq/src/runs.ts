// The control queue as the package uses it: one BullMQ job per run of a job,
// with the run's id as its BullMQ id, so queuing a run twice queues it once. A
// periodic job's next run is a delayed control job, due at the run's runAt.
import type { Queue } from 'bullmq';
import { RETRY } from './store/keys.js';
import type { RedisStore } from './store/store.js';

/** What a control job carries: the run for a worker to begin and enumerate. */
export interface EnumerateData {
  jobId: string;
}

/** A run recorded this long ago and still not reported queued lost its recorder (a crash). */
const STRANDED_MS = 10_000;

export class RunQueue {
  constructor(
    private readonly store: RedisStore,
    readonly queue: Queue<EnumerateData>,
  ) {}

  /** Queues the control job that begins a recorded run, at once or at its runAt. */
  async add(jobId: string, runAt: number | null): Promise<void> {
    const delay = runAt === null ? 0 : Math.max(0, runAt - Date.now());
    await this.queue.add(
      'enumerate',
      { jobId },
      { jobId, delay, removeOnComplete: { age: 3600 }, removeOnFail: { age: 24 * 3600 }, ...RETRY },
    );
    // A cancel between recording the run and this add found no control job to remove.
    if ((await this.store.state(jobId)) === 'cancelled') await this.remove(jobId);
    await this.store.handedOff(jobId);
  }

  /** Removes the control job of a run cancelled while queued, so no delayed job outlives its schedule. */
  async remove(jobId: string): Promise<void> {
    // One a worker already holds is locked and cannot go; it finds the run cancelled and does nothing.
    await this.queue.remove(jobId).catch(() => 0);
  }

  /**
   * Queues the runs a crashed recorder left without a control job (a worker killed between
   * finishing a run of a schedule and queuing the next). Harmless when it races the recorder.
   */
  async recover(olderThanMs = STRANDED_MS): Promise<void> {
    for (const jobId of await this.store.stranded(Date.now() - olderThanMs)) {
      const job = await this.store.get(jobId);
      if (job?.state === 'queued') await this.add(jobId, job.runAt);
      else await this.store.handedOff(jobId);
    }
  }
}
