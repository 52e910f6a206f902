import { describe, expect, it } from 'vitest';
import { createEngine } from '../src/engine/engine.js';
import { openEngine, registry, tempDir } from './helpers.js';

describe('store', () => {
  it('keeps history across engines and prunes it to the retention limit', async () => {
    const dataDir = tempDir();
    const first = await createEngine({ dataDir, registry, poolSize: 1 });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const job = await first.start('test.count', { n: 2 });
      ids.push(job.id);
      await first.waitFor(job.id);
    }
    await first.close();
    const second = await createEngine({ dataDir, registry, poolSize: 1, retention: { maxJobs: 3 } });
    const kept = await second.list();
    expect(kept.map((j) => j.id)).toEqual(ids.slice(2).reverse());
    expect(await second.details(ids[0]!)).toBeUndefined();
    await second.close();
  });

  it('pages history newest first with a before cursor', async () => {
    const engine = await openEngine({ poolSize: 1 });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await engine.start('test.count', { n: 1 })).id);
    for (const id of ids) await engine.waitFor(id);
    const page1 = await engine.list({ limit: 2 });
    const page2 = await engine.list({ limit: 2, before: page1.at(-1)!.id });
    expect([...page1, ...page2].map((j) => j.id)).toEqual(ids.slice(1).reverse());
    expect(await engine.list({ state: 'failed' })).toEqual([]);
  });

  it('refuses a second engine on a data directory in use', async () => {
    const engine = await openEngine();
    await expect(createEngine({ dataDir: engine.dataDir })).rejects.toThrow(
      /in use by another Threadline engine/,
    );
  });

  it('replays a job whose last stored events precede other jobs’ to a reader that is slow', async () => {
    const engine = await openEngine({ tickMs: 10 });
    const a = await engine.start('test.count', { n: 100, ms: 10 });
    let seen = 0;
    for await (const e of engine.events({ jobId: a.id, after: 0 })) {
      if (e.type === 'items') seen += e.succeeded;
      if (seen > 5) break;
    }
    // Another job's events come after a's in the store; a goes on while the replay waits on its reader.
    await engine.waitFor((await engine.start('test.count', { n: 20 })).id);
    const seqs: number[] = [];
    let items = 0;
    for await (const e of engine.events({ jobId: a.id, after: 0 })) {
      seqs.push(e.seq);
      if (e.type === 'item') items++;
      if (e.type === 'items') items += e.succeeded;
      if (seqs.length <= 3) await new Promise((resolve) => setTimeout(resolve, 100));
      if (e.type === 'finished') break;
    }
    expect(items).toBe(100);
    expect(seqs).toEqual([...new Set(seqs)].sort((x, y) => x - y));
  });

  it('replays from any cursor with nothing missed or repeated', async () => {
    const engine = await openEngine();
    const job = await engine.start('test.count', { n: 50, failOn: [4, 8, 12, 16, 20, 24, 28, 32, 36, 40] });
    await engine.waitFor(job.id);
    const all: number[] = [];
    for await (const e of engine.events({ jobId: job.id, after: 0, signal: AbortSignal.timeout(1000) })) {
      all.push(e.seq);
      if (e.type === 'finished') break;
    }
    const cursor = all[Math.floor(all.length / 2)]!;
    const rest: number[] = [];
    for await (const e of engine.events({ jobId: job.id, after: cursor })) {
      rest.push(e.seq);
      if (e.type === 'finished') break;
    }
    expect(rest).toEqual(all.slice(Math.floor(all.length / 2) + 1));
    expect(new Set(all).size).toBe(all.length);
  });
});
