// The `deleted` event of a delete or clear: numbered into the deployment's
// stream like every other event, heard by its subscribers, and capped at
// retention.maxEvents as the job scripts' events are, however many deletes come.
import type { JobEvent } from '@threadline/core';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createBullmqClient } from '../src/index.js';
import { keys } from '../src/store/keys.js';
import { onCleanup, registry, startRedis } from './helpers.js';

type Deleted = Extract<JobEvent, { type: 'deleted' }>;

describe('the deleted event', () => {
  it('reaches subscribers, and the stream stays capped at maxEvents however many jobs are deleted', async () => {
    const redis = await startRedis();
    // 100 is the least cap the store takes (a stream node's worth: `~` trims whole nodes).
    const maxEvents = 100;
    const client = await createBullmqClient({ connection: redis.url, registry, retention: { maxEvents } });
    onCleanup(() => client.close());
    const raw = new Redis(redis.url);
    onCleanup(() => raw.disconnect());
    const k = keys();

    // Finished jobs without a worker: a queued job cancelled is finished by the client at once.
    const deletes = 3 * maxEvents;
    const ids: string[] = [];
    for (let i = 0; i < deletes + 5; i++) {
      const job = await client.start('test.sleep', { items: 1, ms: 1 });
      expect((await client.cancel(job.id)).state).toBe('cancelled');
      ids.push(job.id);
    }
    const [deleted, cleared] = [ids.slice(0, deletes), ids.slice(deletes)];

    // A subscriber following live from here, as a view does, until the clear's event.
    const heard: Deleted[] = [];
    const following = (async () => {
      for await (const event of client.events({ signal: AbortSignal.timeout(60_000) })) {
        if (event.type !== 'deleted') continue;
        heard.push(event);
        if (event.finishedBefore !== null) return;
      }
    })();
    // It starts at the stream's last seq whenever its reader opens, so it may miss the first
    // deletes: what it must hear is the newest ones.
    for (const id of deleted) await client.delete!(id);
    expect(await client.clearFinished!()).toEqual({ deleted: cleared.length });
    await following;

    // Uncapped, the stream would hold every delete's event on top of the jobs' (capped) ones.
    const length = await raw.xlen(k.events);
    expect(length).toBeGreaterThanOrEqual(maxEvents);
    expect(length).toBeLessThanOrEqual(maxEvents + 100);
    // The last 301 events were deletes: all the stream kept.
    const newest = await raw.xrevrange(k.events, '+', '-');
    expect(new Set(newest.map(([, fields]) => (JSON.parse(fields[1]!) as JobEvent).type))).toEqual(
      new Set(['deleted']),
    );

    // What they heard: the clear's event last, naming its jobs (newest first, as it reads them); before it each delete's own,
    // the newest of them the last job deleted one by one, in the order of their seq.
    const clear = heard.at(-1)!;
    expect(clear).toMatchObject({ type: 'deleted', jobIds: [...cleared].reverse(), count: cleared.length });
    const singles = heard.slice(0, -1);
    expect(singles.at(-1)).toMatchObject({ jobIds: [deleted.at(-1)], count: 1, finishedBefore: null });
    const seqs = heard.map((event) => event.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(singles.every((event) => event.jobIds?.length === 1)).toBe(true);
    // The stream's ids are the events' seqs, so a reader resumes there without a gap.
    expect(newest[0]![0]).toBe(`${clear.seq}-0`);
    for (const id of ids) expect(await client.get(id)).toBeUndefined();
  });
});
