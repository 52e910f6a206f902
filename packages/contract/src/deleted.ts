// The contract's deletion events: a `delete` or a `clearFinished` is one
// `deleted` event in the one stream, numbered like every event, seen by every
// subscriber live and by one that resumes from before it.
import type { DeletedEvent, JobClient, JobSnapshot } from '@threadline/core';
import { collect } from '@threadline/testing';
import { expect, it } from 'vitest';
import { finished } from './events.js';
import type { Backend } from './suite.js';

/** The whole stream replayed after `after`, up to its first `deleted` event (the last one returned). */
async function replayUntilDeleted(client: JobClient, after: number) {
  const events = await collect(client.events({ after }), (event) => event.type === 'deleted');
  return { events, deleted: events.at(-1) as DeletedEvent };
}

/** The seq of a job's `finished` event: where a subscriber that saw it would resume. */
async function finishedSeq(client: JobClient, jobId: string): Promise<number> {
  const events = await collect(client.events({ jobId, after: 0 }), (event) => event.type === 'finished');
  return events.at(-1)!.seq;
}

/**
 * A subscriber of the whole stream, open now: jobs are run until it has told one (an SSE
 * connection may open after a first short job has ended). `deleted`: its first `deleted` event.
 */
async function liveSubscriber(client: JobClient) {
  const stop = new AbortController();
  const told = new Set<string>();
  let resolveDeleted!: (event: DeletedEvent) => void;
  const deleted = new Promise<DeletedEvent>((resolve) => {
    resolveDeleted = resolve;
  });
  void (async () => {
    for await (const event of client.events({ signal: stop.signal })) {
      told.add(event.jobId);
      if (event.type === 'deleted') resolveDeleted(event);
    }
  })().catch(() => {});
  const probes: JobSnapshot[] = [];
  while (!probes.some((probe) => told.has(probe.id))) {
    expect(probes.length, 'the live stream to tell a job').toBeLessThan(20);
    probes.push(await finished(client, (await client.start('contract.count', { n: 1 })).id));
  }
  return { deleted, probes, stop };
}

export function deletedContract(open: () => Promise<Backend>): void {
  it('tells a delete to a second subscriber as one deleted event, live and on replay', async () => {
    const { client } = await open();
    const kept = await finished(client, (await client.start('contract.count', { n: 1 })).id);
    const gone = await finished(client, (await client.start('contract.count', { n: 2 })).id);
    const cursor = await finishedSeq(client, gone.id);

    const live = await liveSubscriber(client);
    await client.delete!(gone.id);
    const seen = await live.deleted;
    live.stop.abort();
    expect(seen).toMatchObject({ type: 'deleted', jobId: '', jobIds: [gone.id], count: 1 });
    expect(seen.finishedBefore).toBeNull();

    const replay = await replayUntilDeleted(client, cursor);
    expect(replay.deleted).toEqual(seen);
    // Numbered like every event: after what came before it, in one strictly rising sequence.
    expect(seen.seq).toBeGreaterThan(cursor);
    const seqs = replay.events.map((event) => event.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(await client.get(kept.id)).toMatchObject({ state: 'succeeded' });
  });

  it('tells a clear as one deleted event listing every job it took, with the time it cleared up to', async () => {
    const { client } = await open();
    const first = await finished(client, (await client.start('contract.count', { n: 1 })).id);
    const second = await finished(client, (await client.start('contract.count', { n: 1, failOn: [0] })).id);
    const cursor = await finishedSeq(client, second.id);

    const live = await liveSubscriber(client);
    const { deleted: count } = await client.clearFinished!();
    const seen = await live.deleted;
    live.stop.abort();
    // The jobs that proved the live stream open finished too, and went with the others.
    const took = [first, second, ...live.probes];
    expect(count).toBe(took.length);
    expect(seen).toMatchObject({ type: 'deleted', jobId: '', count: took.length });
    expect([...seen.jobIds!].sort()).toEqual(took.map((job) => job.id).sort());
    const latest = Math.max(...took.map((job) => job.finishedAt!));
    expect(seen.finishedBefore).toBeGreaterThan(latest);

    expect((await replayUntilDeleted(client, cursor)).deleted).toEqual(seen);
    // A clear that takes nothing says nothing: the next event is the next job's.
    expect(await client.clearFinished!()).toEqual({ deleted: 0 });
    const next = await client.start('contract.count', { n: 1 });
    const after = await collect(client.events({ after: seen.seq }), (e) => e.type === 'finished');
    expect(after.every((event) => event.jobId === next.id)).toBe(true);
  });
}
