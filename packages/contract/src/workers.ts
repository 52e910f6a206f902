// The contract's workers test: every backend lists who runs items (the engine's
// threads, a deployment's worker processes), what each runs now, and goes idle
// when the job ends. Every backend under test runs 2 threads in all.
import type { JobClient, WorkersView } from '@threadline/core';
import { until } from '@threadline/testing';
import { expect, it } from 'vitest';
import { finished } from './events.js';
import type { Backend } from './suite.js';

function workers(client: JobClient): Promise<WorkersView> {
  if (!client.workers) throw new Error('this client has no workers');
  return client.workers();
}

const running = (view: WorkersView) => view.workers.flatMap((worker) => worker.running);

export function workersContract(open: () => Promise<Backend>): void {
  it('lists its workers, what each runs (job, item), and each idle again once the job ends', async () => {
    const { client } = await open();
    const idle = await until(
      async () => {
        const view = await workers(client);
        return view.workers.length > 0 && running(view).length === 0 && view;
      },
      'the workers, idle',
      20_000,
    );
    expect(idle.workers.reduce((sum, worker) => sum + worker.threads, 0)).toBe(2);
    for (const worker of idle.workers) {
      expect(worker).toMatchObject({ running: [] });
      expect(['thread', 'process']).toContain(worker.kind);
      expect(worker.host).not.toBe('');
      expect(worker.seenAt).toBeGreaterThanOrEqual(worker.startedAt);
    }
    // A deployment says how deep its queue is; in-process nothing waits in a queue.
    if (idle.queue !== null) expect(idle.queue).toEqual({ waiting: 0, active: 0, delayed: 0 });

    // One item asleep a minute: it stays on its worker until the cancel.
    const job = await client.start('contract.count', { n: 1, ms: 60_000 });
    const busy = await until(
      async () => {
        const view = await workers(client);
        return running(view).some((work) => work.jobId === job.id) && view;
      },
      'a worker running the job',
      30_000,
    );
    const [work] = running(busy).filter((w) => w.jobId === job.id);
    expect(work).toMatchObject({ jobId: job.id, name: 'contract.count', first: 0, items: 1, done: 0 });
    expect(work!.index === null || work!.index === 0).toBe(true);
    expect(busy.workers.filter((w) => w.running.length > 0)).toHaveLength(1);
    if (busy.queue !== null) expect(busy.queue.active).toBe(1);

    await client.cancel(job.id, { force: true });
    expect((await finished(client, job.id)).state).toBe('cancelled');
    await until(
      async () => {
        const view = await workers(client);
        return running(view).length === 0 && view;
      },
      'the workers idle again',
      20_000,
    );
    // Where a backend counts items per worker, those that ran to their end count (the terminated one
    // not); a deployment's workers tell theirs with their next heartbeat.
    await finished(client, (await client.start('contract.count', { n: 3, failOn: [1] })).id);
    const done = (view: WorkersView) =>
      view.workers.reduce((sum, w) => (w.itemsDone === null ? sum : sum + w.itemsDone), 0);
    const counted = await until(
      async () => {
        const view = await workers(client);
        const counting = view.workers.some((w) => w.itemsDone !== null);
        return (!counting || done(view) >= 3) && { counting, view };
      },
      'the items done counted',
      20_000,
    );
    if (counted.counting) expect(done(counted.view)).toBe(3);
  });
}
