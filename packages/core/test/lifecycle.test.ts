// A job's record at the edges of its engine's life: a graceful shutdown that
// lets running items finish, and what it leaves interrupted.
import { describe, expect, it } from 'vitest';
import { createEngine } from '../src/engine/engine.js';
import { registry, tempDir } from './helpers.js';

async function reopen(dataDir: string) {
  const engine = await createEngine({ dataDir, registry, poolSize: 2 });
  return engine;
}

describe('shutdown', () => {
  it('lets running items finish, starts no more, and records the job interrupted with the reason', async () => {
    const dataDir = tempDir();
    const engine = await createEngine({ dataDir, registry, poolSize: 2 });
    const job = await engine.start('test.count', { n: 40, ms: 150 });
    const queued = await engine.start('test.count', { n: 1 }, {});
    await new Promise((resolve) => setTimeout(resolve, 400));
    const seen: string[] = [];
    const report = await engine.shutdown({
      reason: 'server stopped',
      drainMs: 5000,
      onDrain: (running) => seen.push(...running.map((j) => j.id)),
    });
    expect(seen).toContain(job.id);
    expect(report.interrupted).toContain(job.id);

    const after = await reopen(dataDir);
    try {
      const stored = (await after.get(job.id))!;
      expect(stored.state).toBe('interrupted');
      expect(stored.error).toEqual({ message: 'server stopped' });
      // The items out on threads finished during the drain: none is failed or cancelled.
      expect(stored.items.failed).toBe(0);
      expect(stored.items.cancelled).toBe(0);
      expect(stored.items.succeeded).toBeGreaterThan(0);
      expect(stored.items.succeeded).toBeLessThan(40);
      const other = (await after.get(queued.id))!;
      expect(['succeeded', 'interrupted']).toContain(other.state);
    } finally {
      await after.close();
    }
  });

  it('stops items that outlast the drain, cancelling them (not failing them)', async () => {
    const dataDir = tempDir();
    const engine = await createEngine({ dataDir, registry, poolSize: 1 });
    const job = await engine.start('test.spin', { check: 'never' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const started = Date.now();
    const report = await engine.shutdown({ drainMs: 200 });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(report).toEqual({ drained: [], interrupted: [job.id] });
    const after = await reopen(dataDir);
    try {
      expect(await after.get(job.id)).toMatchObject({
        state: 'interrupted',
        error: { message: 'the engine stopped' },
        items: { succeeded: 0, failed: 0 },
      });
    } finally {
      await after.close();
    }
  });

  it('records a job that finishes during the drain as it ended, and a second call stops at once', async () => {
    const dataDir = tempDir();
    const engine = await createEngine({ dataDir, registry, poolSize: 2 });
    const short = await engine.start('test.count', { n: 1, ms: 400 });
    const long = await engine.start('test.spin', { check: 'never' });
    while (engine.pool.busyCount < 2) await new Promise((resolve) => setTimeout(resolve, 10));
    const stopping = engine.shutdown({ drainMs: 60_000 });
    expect((await engine.waitFor(short.id)).state).toBe('succeeded');
    const started = Date.now();
    const report = await engine.shutdown({ drainMs: 0 });
    expect(await stopping).toBe(report);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(report.drained).toEqual([short.id]);
    expect(report.interrupted).toEqual([long.id]);
    const after = await reopen(dataDir);
    try {
      expect((await after.get(short.id))!.state).toBe('succeeded');
      expect((await after.get(long.id))!.state).toBe('interrupted');
    } finally {
      await after.close();
    }
  });
});
