// The contract's find and delete tests: a search over the whole history with
// counts per state and pages that follow `next`, and deleting a finished job
// (never a running one), with refusals that keep their class over the transport.
import {
  type JobClient,
  type JobPage,
  type JobQuery,
  NotFoundError,
  ValidationError,
} from '@threadline/core';
import { expect, it } from 'vitest';
import { finished } from './events.js';
import { expectRefusal } from './resume.js';
import type { Backend } from './suite.js';

function find(client: JobClient, query?: JobQuery): Promise<JobPage> {
  if (!client.find) throw new Error('this client has no find');
  return client.find(query);
}

const ids = (page: JobPage) => page.jobs.map((job) => job.id);

/** A job that stays running until cancelled with force (one item asleep a minute). */
async function runningJob(client: JobClient) {
  return client.start('contract.count', { n: 1, ms: 60_000 });
}

export function findContract(open: () => Promise<Backend>): void {
  it('finds jobs by state, name, text over id and input, and creation time, counting each state', async () => {
    const { client } = await open();
    const a = await finished(client, (await client.start('contract.count', { n: 2 })).id);
    const b = await finished(
      client,
      (await client.start('contract.count', { n: 2, failOn: [0, 1], failUntil: '/nowhere/Needle-7' })).id,
    );
    const c = await finished(client, (await client.start('contract.count', { n: 3, failOn: [1] })).id);
    expect([a.state, b.state, c.state]).toEqual(['succeeded', 'failed', 'partial']);

    const all = await find(client);
    expect(ids(all)).toEqual([c.id, b.id, a.id]);
    expect(all.counts).toMatchObject({ succeeded: 1, failed: 1, partial: 1, running: 0, queued: 0 });
    expect(all.next).toBeNull();

    // The counts are of every state, whatever the page's state: what a tab of each would hold.
    const failed = await find(client, { state: 'failed' });
    expect(ids(failed)).toEqual([b.id]);
    expect(failed.counts).toEqual(all.counts);
    expect(ids(await find(client, { state: ['partial', 'failed'] }))).toEqual([c.id, b.id]);

    const needle = await find(client, { text: 'needle-7' });
    expect(ids(needle)).toEqual([b.id]);
    expect(needle.counts).toMatchObject({ failed: 1, succeeded: 0, partial: 0 });
    expect(ids(await find(client, { text: c.id.slice(-6).toUpperCase() }))).toEqual([c.id]);
    expect(ids(await find(client, { text: '100%_' }))).toEqual([]);

    expect(ids(await find(client, { name: 'contract.count', state: 'succeeded' }))).toEqual([a.id]);
    const none = await find(client, { name: 'no.such.job' });
    expect(none.jobs).toEqual([]);
    expect(Object.values(none.counts).every((n) => n === 0)).toBe(true);

    const fromC = await find(client, { createdFrom: c.createdAt });
    expect(ids(fromC)).toContain(c.id);
    expect(fromC.jobs.every((job) => job.createdAt >= c.createdAt)).toBe(true);
    expect(ids(await find(client, { createdTo: c.createdAt }))).not.toContain(c.id);
    expect(ids(await find(client, { createdFrom: a.createdAt, createdTo: c.createdAt + 1 }))).toEqual([
      c.id,
      b.id,
      a.id,
    ]);
  });

  it('pages newest first by following next, each job once, to a last page whose next is null', async () => {
    const { client } = await open();
    const started: string[] = [];
    for (let i = 0; i < 5; i++) started.push((await client.start('contract.count', { n: 1 })).id);
    for (const id of started) await finished(client, id);
    const seen: string[] = [];
    let page = await find(client, { limit: 2 });
    seen.push(...ids(page));
    while (page.next !== null) {
      expect(page.jobs).toHaveLength(2);
      page = await find(client, { limit: 2, cursor: page.next });
      seen.push(...ids(page));
    }
    expect(seen).toEqual([...started].reverse());
    expect(ids(await find(client, { limit: 2, state: 'succeeded' }))).toEqual(seen.slice(0, 2));
    await expectRefusal(find(client, { cursor: 'nonsense' }), ValidationError, 'VALIDATION', /cursor/);
  });

  it('deletes a finished job with what it recorded, and refuses one that is running', async () => {
    const { client } = await open();
    const kept = await finished(client, (await client.start('contract.count', { n: 2 })).id);
    const running = await runningJob(client);
    await expectRefusal(client.delete!(running.id), ValidationError, 'VALIDATION', /cancel it first/);
    await client.cancel(running.id, { force: true });
    expect((await finished(client, running.id)).state).toBe('cancelled');
    await client.delete!(running.id);
    expect(await client.get(running.id)).toBeUndefined();
    expect(await client.details(running.id)).toBeUndefined();
    expect(ids(await find(client))).toEqual([kept.id]);
    expect(await client.get(kept.id)).toMatchObject({ state: 'succeeded' });
    await expectRefusal(client.delete!(running.id), NotFoundError, 'NOT_FOUND', /no job/);
  });

  it('clears finished jobs, those finished before a time when given, and never a running one', async () => {
    const { client } = await open();
    const first = await finished(client, (await client.start('contract.count', { n: 1 })).id);
    const second = await finished(client, (await client.start('contract.count', { n: 1, failOn: [0] })).id);
    const running = await runningJob(client);
    expect(await client.clearFinished!({ finishedBefore: first.finishedAt! })).toEqual({ deleted: 0 });
    expect(await client.clearFinished!({ finishedBefore: first.finishedAt! + 1 })).toMatchObject({
      deleted: second.finishedAt! > first.finishedAt! ? 1 : 2,
    });
    expect(await client.clearFinished!()).toMatchObject({ deleted: expect.any(Number) });
    expect(await client.get(second.id)).toBeUndefined();
    expect(ids(await find(client))).toEqual([running.id]);
    await client.cancel(running.id, { force: true });
    await finished(client, running.id);
  });
}
