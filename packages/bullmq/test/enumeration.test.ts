// An enumeration that holds the main thread (a sync items() doing real CPU work per item) still
// lets the event loop turn, so BullMQ renews the enumerating worker's locks and no other worker
// takes its running chunks, or its control job, for stalled.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { completions, deployment, follow, ofType, registry, spawnWorker, tempDir } from './helpers.js';

const jobs = { ...registry, 'test.slow-items': new URL('./fixtures/slow-items.mjs', import.meta.url).href };
const LOCK_MS = 2000;
const STALLED_MS = 1000;

describe('an items() that blocks the main thread in small steps', () => {
  it('is not taken for stalled: every item runs once, at attempt 1', { timeout: 180_000 }, async () => {
    const { redis, client } = await deployment({
      jobs,
      worker: { lockDuration: LOCK_MS, stalledInterval: STALLED_MS },
    });
    // The other worker, in its own process: its stall checker runs while the enumerator's thread is held.
    await spawnWorker(redis.url, { LOCK_MS: String(LOCK_MS), STALLED_MS: String(STALLED_MS) });
    const markFile = join(tempDir(), 'done.log');
    // 96 items of 150 ms after the first 256: each full chunk (32 items) holds the thread ~4.8 s
    // in 150 ms steps, over twice the lock's 2 s, three times over (a 1 s lock is a spurious stall
    // at load). At 4 ms an item a chunk fills in ~130 ms, and its addBulk lets the loop turn.
    const total = 256 + 96;
    const job = await client.start('test.slow-items', { items: total, cpuMs: 150, ms: 20, markFile });
    const events = await follow(client, job.id, () => {}, 150_000);
    const finished = ofType(events, 'finished')[0]!;
    const ran = completions(markFile);
    const again = ran.filter((r) => r.attempt !== 1);
    const counts = new Map<number, number>();
    for (const r of ran) counts.set(r.index, (counts.get(r.index) ?? 0) + 1);
    const twice = [...counts].filter(([, n]) => n > 1).map(([index]) => index);
    expect({ again: again.length, twice: twice.length, ran: counts.size }).toEqual({
      again: 0,
      twice: 0,
      ran: total,
    });
    expect(finished.state).toBe('succeeded');
    expect(finished.items).toEqual({ total, succeeded: total, failed: 0, cancelled: 0 });
    expect(ran.length).toBe(total);
  });
});
