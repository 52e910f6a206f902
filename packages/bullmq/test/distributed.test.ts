// Two worker processes against one real redis-server, with the faults the issue
// names: a worker SIGKILLed mid-run, a cancel while both run, a Redis restart.
import { join } from 'node:path';
import type { JobEvent } from '@threadline/core';
import { describe, expect, it } from 'vitest';
import { createBullmqClient } from '../src/index.js';
import { chunkSize } from '../src/worker/enumerate.js';
import {
  completions,
  follow,
  ofType,
  onCleanup,
  registry,
  spawnWorker,
  startRedis,
  startTarget,
  TARGETS,
  tempDir,
} from './helpers.js';

/** The events count each item once: successes in `items` counts, the rest one `item` event each. */
function expectEachItemOnce(events: JobEvent[], total: number): void {
  const indexes = ofType(events, 'item').map((e) => e.index);
  expect(new Set(indexes).size).toBe(indexes.length);
  const succeeded = ofType(events, 'items').reduce((sum, e) => sum + e.succeeded, 0);
  expect(succeeded + indexes.length).toBe(total);
}

/** Items with an outcome so far, as a follower of the events counts them. */
const settledIn = (event: JobEvent) =>
  event.type === 'items' ? event.succeeded : event.type === 'item' ? 1 : 0;

async function setUp<R extends { url: string }>(started: Promise<R>) {
  const redis = await started;
  const client = await createBullmqClient({ connection: redis.url, registry });
  onCleanup(() => client.close());
  const workers = await Promise.all([spawnWorker(redis.url), spawnWorker(redis.url)]);
  return { redis, client, workers, markFile: join(tempDir(), 'done.log') };
}

/** The first item of the chunk holding item `index`, as the worker cuts a job (32 items at most). */
function chunkOf(index: number): number {
  let start = 0;
  while (start + chunkSize(start, 32) <= index) start += chunkSize(start, 32);
  return start;
}

describe.each(TARGETS)('two worker processes on %s', (target) => {
  it('share a 200-item job; one is SIGKILLed mid-run and every item still ends exactly once', async () => {
    const { client, workers, markFile } = await setUp(startTarget(target));
    const [victim, survivor] = workers;
    const job = await client.start('test.sleep', { items: 200, ms: 40, markFile });
    let items = 0;
    const events = await follow(client, job.id, async (event) => {
      const before = items;
      items += settledIn(event);
      if (before < 50 && items >= 50) await victim!.kill('SIGKILL');
    });
    const finished = ofType(events, 'finished')[0]!;
    expect(finished.state).toBe('succeeded');
    expect(finished.items).toEqual({ total: 200, succeeded: 200, failed: 0, cancelled: 0 });
    expectEachItemOnce(events, 200);
    // Both workers ran items; the survivor finished what the victim held.
    const byPid = (finished.summary as { byPid: Record<string, number> }).byPid;
    expect(Object.keys(byPid).sort()).toEqual([String(victim!.pid), String(survivor!.pid)].sort());
    const ran = completions(markFile);
    expect(new Set(ran.map((r) => r.index)).size).toBe(200);
    // Only an item the victim completed but had not yet recorded when it died can run twice: a
    // chunk is recorded whole, so those of the chunks it held, one per thread; and its recorded
    // outcome is still the only one.
    const counts = new Map<number, number>();
    for (const r of ran) counts.set(r.index, (counts.get(r.index) ?? 0) + 1);
    const twice = [...counts].filter(([, n]) => n > 1).map(([index]) => index);
    expect(new Set(twice.map(chunkOf)).size).toBeLessThanOrEqual(2);
    for (const index of twice) expect(ran.find((r) => r.index === index)!.pid).toBe(victim!.pid);
    // Its second run knew it may have run before: its chunk's second delivery.
    for (const index of twice)
      expect(ran.filter((r) => r.index === index).map((r) => r.attempt)).toEqual([1, 2]);
    // Only the survivor ran a chunk delivered again: the victim's, after the kill.
    expect(ran.filter((r) => r.attempt > 1).every((r) => r.pid === survivor!.pid)).toBe(true);
  });

  it('cancel stops both workers’ items at once', async () => {
    const { client, markFile } = await setUp(startTarget(target));
    const job = await client.start('test.sleep', { items: 200, ms: 1000, markFile });
    let cancelledAt = 0;
    const events = await follow(client, job.id, async (event) => {
      // Four threads across two processes are all busy once four items report progress.
      if (event.type === 'progress' && !cancelledAt && (event.progress.fraction ?? 0) > (4 * 0.3) / 200) {
        cancelledAt = Date.now();
        await client.cancel(job.id);
      }
    });
    const finished = ofType(events, 'finished')[0]!;
    expect(finished.state).toBe('cancelled');
    // Sleeping items see their signal abort as the cancel is published: far sooner than any
    // polling of job state or lock expiry (4 s here) could have stopped them.
    expect(finished.at - cancelledAt).toBeLessThan(2000);
    expect(finished.items.total).toBe(200);
    expect(finished.items.succeeded).toBeLessThan(10);
    expect(finished.items.succeeded + finished.items.failed + finished.items.cancelled).toBe(200);
    const running = ofType(events, 'item').filter((e) => e.outcome === 'cancelled');
    expect(running.length).toBeGreaterThanOrEqual(4);
    // Nothing ran to completion after the job finished, on either worker.
    const ranBefore = completions(markFile).length;
    const after = await client.start('test.sleep', { items: 4, ms: 1 });
    await follow(client, after.id);
    expect(completions(markFile).length).toBe(ranBefore);
    expect(ranBefore).toBe(finished.items.succeeded);
  });
});

describe('two worker processes', () => {
  it('waits out a Redis restart (appendonly) mid-run and still finishes the job', async () => {
    const { redis, client, markFile } = await setUp(startRedis({ appendonly: true }));
    const job = await client.start('test.sleep', { items: 200, ms: 40, markFile });
    let items = 0;
    let restarted = false;
    const events = await follow(client, job.id, async (event) => {
      items += settledIn(event);
      if (items >= 50 && !restarted) {
        restarted = true;
        await redis.stop();
        // The outage itself, not a synchronisation: workers and the client must wait it out.
        await new Promise((resolve) => setTimeout(resolve, 1000));
        await redis.start();
      }
    });
    expect(restarted).toBe(true);
    const finished = ofType(events, 'finished')[0]!;
    expect(finished.state).toBe('succeeded');
    expect(finished.items).toEqual({ total: 200, succeeded: 200, failed: 0, cancelled: 0 });
    expectEachItemOnce(events, 200);
    expect(new Set(completions(markFile).map((r) => r.index)).size).toBe(200);
  });
});
