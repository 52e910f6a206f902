// A worker's memory limit and an item's timeout, on real worker threads.
import { describe, expect, it } from 'vitest';
import { defineJob, z } from '../src/job/index.js';
import { defaultWorkerMemoryMb } from '../src/pool/pool.js';
import { fixture, openEngine } from './helpers.js';

const workers = (engine: Awaited<ReturnType<typeof openEngine>>) => engine.pool.slots.map((s) => s.worker);

describe('worker memory limit', () => {
  it('fails only the item of a worker that runs out of memory, replaces the worker and finishes the rest', async () => {
    const engine = await openEngine({ resourceLimits: { maxOldGenerationSizeMb: 48 } });
    const done = await engine.waitFor((await engine.start(fixture('leak'), { n: 20, leakOn: [7] })).id);
    expect(done).toMatchObject({ state: 'partial', items: { total: 20, succeeded: 19, failed: 1 } });
    const { failures } = (await engine.details(done.id))!;
    expect(failures.map((f) => [f.index, f.error!.message])).toEqual([
      [7, 'worker ran out of memory (limit 48 MB)'],
    ]);
    await engine.pool.ready();
    const after = await engine.waitFor((await engine.start('test.count', { n: 10 })).id);
    expect(after.state).toBe('succeeded');
  });

  it('defaults to half the machine shared by the threads, between 256 MB and 4 GB', () => {
    const gb = 1024 ** 3;
    expect(defaultWorkerMemoryMb(4, 16 * gb)).toBe(2048);
    expect(defaultWorkerMemoryMb(2, 64 * gb)).toBe(4096);
    expect(defaultWorkerMemoryMb(16, 2 * gb)).toBe(256);
  });
});

describe('item timeout', () => {
  it('terminates the thread of a CPU loop that never yields past its timeout and grace, and the rest succeed', async () => {
    const engine = await openEngine({ itemTimeoutMs: 300, graceMs: 200 });
    await engine.pool.ready();
    const before = workers(engine);
    const job = await engine.start(fixture('stuck-items'), { n: 12, stuck: [4], how: 'never' });
    const done = await engine.waitFor(job.id);
    expect(done).toMatchObject({ state: 'partial', items: { total: 12, succeeded: 11, failed: 1 } });
    const { failures } = (await engine.details(done.id))!;
    expect(failures.map((f) => [f.index, f.error!.message, f.error!.code])).toEqual([
      [4, 'timed out after 300 ms', 'ITEM_TIMEOUT'],
    ]);
    expect(workers(engine).filter((w) => !before.includes(w))).toHaveLength(1);
  });

  it('cancels a loop that checks throwIfCancelled() past its timeout, keeping its thread', async () => {
    // A grace longer than the test's timeout: only the cooperative cancel can end this item.
    const engine = await openEngine({ itemTimeoutMs: 300, graceMs: 600_000 });
    await engine.pool.ready();
    const before = workers(engine);
    const job = await engine.start(fixture('stuck-items'), { n: 12, stuck: [2, 9], how: 'sync' });
    const done = await engine.waitFor(job.id);
    expect(done).toMatchObject({ state: 'partial', items: { total: 12, succeeded: 10, failed: 2 } });
    const { failures } = (await engine.details(done.id))!;
    // By index: the two run on two threads, and either may time out first.
    const byIndex = failures
      .map((f) => [f.index, f.error!.message])
      .sort((a, b) => Number(a[0]) - Number(b[0]));
    expect(byIndex).toEqual([
      [2, 'timed out after 300 ms'],
      [9, 'timed out after 300 ms'],
    ]);
    expect(workers(engine)).toEqual(before);
  });

  it("aborts the signal of an item that awaits, after its definition's own timeout", async () => {
    const engine = await openEngine({ itemTimeoutMs: 60_000, graceMs: 600_000 });
    const job = await engine.start(fixture('timed-items'), { n: 6, stuck: [0], how: 'signal' });
    const done = await engine.waitFor(job.id);
    expect(done).toMatchObject({ state: 'partial', items: { total: 6, succeeded: 5, failed: 1 } });
    const { failures } = (await engine.details(done.id))!;
    expect(failures.map((f) => f.error!.message)).toEqual(['timed out after 250 ms']);
  });

  it('refuses an itemTimeoutMs that is not a whole number of ms above 0', async () => {
    const base = { name: 'x', title: 'x', input: z.object({}), run: () => 1 };
    expect(() => defineJob({ ...base, itemTimeoutMs: 0 })).toThrow(/itemTimeoutMs must be/);
    await expect(openEngine({ itemTimeoutMs: 2.5 })).rejects.toThrow(
      'itemTimeoutMs must be a whole number of ms above 0, not 2.5',
    );
  });
});
