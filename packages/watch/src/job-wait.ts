// Following one job to its end through any JobClient. A per-job stream with
// `after: 0` replays from the job's first event, so a job that ends between
// start() and subscribing is not missed; polling get() covers a stream that
// drops (a server restarting).
import { setTimeout as sleep } from 'node:timers/promises';
import { isFinal, type JobClient, type JobSnapshot } from '@threadline/core';

/** The job's final snapshot; `null` when the job no longer exists; `undefined` when `signal` aborted first. */
export async function waitForFinal(
  client: JobClient,
  jobId: string,
  signal: AbortSignal,
): Promise<JobSnapshot | null | undefined> {
  while (!signal.aborted) {
    try {
      for await (const event of client.events({ jobId, after: 0, signal })) {
        if (event.type === 'finished') break;
      }
    } catch {
      // A broken stream is not the job's fault: ask for its state below.
    }
    if (signal.aborted) return undefined;
    const job = await client.get(jobId).catch(() => 'unreachable' as const);
    if (job === undefined) return null;
    if (job !== 'unreachable' && isFinal(job.state)) return job;
    await sleep(1000, undefined, { signal }).catch(() => undefined);
  }
  return undefined;
}
