// The built-in jobs end to end: started by name on a real engine, items
// fanned out to real worker threads, cancelled mid-run.
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type JobEvent, typedClient } from '@threadline/core';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { BuiltinJobInputs } from '../src/index.js';
import { finished, openEngine, waitForEvent } from './helpers/engine.js';
import { atom, rss, startFeedServer, xml } from './helpers/feed-server.js';
import { makeImage } from './helpers/images.js';
import { listTree, tempDir, tempFilesIn } from './helpers/temp.js';

type ProgressEvent = Extract<JobEvent, { type: 'progress' }>;
const isProgress =
  (test: (event: ProgressEvent) => boolean) =>
  (event: JobEvent): event is ProgressEvent =>
    event.type === 'progress' && test(event);
/** An item ended: a failed one is an `item` event, succeeded ones are counted in `items` events. */
const isItem = (event: JobEvent): event is JobEvent => event.type === 'item' || event.type === 'items';

describe('built-in jobs in the engine', () => {
  it('starts a built-in job through a typed client, its input checked by the compiler and the engine', async () => {
    const engine = await openEngine({ poolSize: 1 });
    const client = typedClient<BuiltinJobInputs>(engine);
    // `ms` and `failEvery` have defaults: the compiler, like the schema, does not ask for them.
    const job = await client.start('demo.sleep', { items: 3 });
    expect((await engine.waitFor(job.id)).state).toBe('succeeded');
    // @ts-expect-error: items is a number (checked by `npm run typecheck`; the engine refuses it too)
    await expect(client.start('demo.sleep', { items: 'three' })).rejects.toThrow(/items/);
    // @ts-expect-error: there is no such built-in job
    await expect(client.start('demo.sleeps', {})).rejects.toThrow(/unknown job/);
  });

  it('describes every input field, for the forms generated from the schemas', async () => {
    const engine = await openEngine({ poolSize: 1 });
    const definitions = await engine.definitions();
    expect(definitions.map((d) => d.name).sort()).toEqual([
      'demo.sleep',
      'feeds.fetch',
      'files.checksum',
      'files.index',
      'image.scale',
      'model.train',
      'photo.tidy',
    ]);
    for (const definition of definitions) {
      const properties = definition.inputSchema.properties as Record<string, { description?: string }>;
      for (const [field, schema] of Object.entries(properties)) {
        expect(schema.description, `${definition.name}.${field}`).toMatch(/\w/);
      }
      // Progress in the user's units: images, bytes, feeds; only the demo counts bare items.
      if (definition.name !== 'demo.sleep') expect(definition.unit).not.toBe('items');
    }
  });

  it('runs demo.sleep across the pool, failing every third item', async () => {
    const engine = await openEngine();
    const job = await engine.start('demo.sleep', { items: 6, ms: 10, failEvery: 3 });
    const done = await finished(engine, job.id);
    expect(done).toMatchObject({ state: 'partial', summary: { total: 6, succeeded: 4, failed: 2 } });
  });

  it('terminates a cpu-bound demo.sleep item that never checks for cancellation', async () => {
    const engine = await openEngine({ graceMs: 200 });
    const job = await engine.start('demo.sleep', { items: 2, ms: 600_000, cpu: true });
    await waitForEvent(
      engine,
      job.id,
      isProgress((event) => event.progress.fraction !== null && event.progress.fraction > 0),
    );
    await engine.cancel(job.id);
    const done = await finished(engine, job.id, 10_000);
    expect(done.state).toBe('cancelled');
  });

  it('scales images in workers and, cancelled mid-run, leaves only whole outputs', async () => {
    const source = tempDir();
    const target = tempDir();
    await makeImage(join(source, 'img0.jpg'), { width: 2400, height: 1800 });
    for (let i = 1; i < 16; i++) await copyFile(join(source, 'img0.jpg'), join(source, `img${i}.jpg`));
    const engine = await openEngine();

    const job = await engine.start('image.scale', { source, target, size: 1200 });
    await waitForEvent(engine, job.id, isItem);
    await engine.cancel(job.id);
    const done = await finished(engine, job.id);

    expect(done.state).toBe('cancelled');
    const outputs = await listTree(target);
    expect(outputs.length).toBeGreaterThan(0);
    expect(outputs.length).toBeLessThan(16);
    expect(await tempFilesIn(target)).toEqual([]);
    for (const output of outputs) {
      const { width, height } = await sharp(join(target, output)).metadata();
      expect([width, height]).toEqual([1200, 900]);
    }

    // A second run finishes the rest and skips what the first one wrote.
    const rerun = await engine.start('image.scale', { source, target, size: 1200 });
    const summary = (await finished(engine, rerun.id)).summary as Record<string, number>;
    expect(summary).toMatchObject({
      todo: 16,
      scaled: 16 - outputs.length,
      skipped: outputs.length,
      failed: 0,
    });
  });

  it('cancelled mid-run, photo.tidy leaves each photo either tidied or untouched', async () => {
    const folder = tempDir();
    await makeImage(join(folder, 'IMG_00.jpg'), {
      width: 2400,
      height: 1800,
      orientation: 6,
      taken: '2021:03:04 05:06:07',
    });
    for (let i = 1; i < 16; i++)
      await copyFile(join(folder, 'IMG_00.jpg'), join(folder, `IMG_${String(i).padStart(2, '0')}.jpg`));
    const engine = await openEngine();

    const job = await engine.start('photo.tidy', { folder });
    await waitForEvent(engine, job.id, isItem);
    await engine.cancel(job.id);
    expect((await finished(engine, job.id)).state).toBe('cancelled');

    const photos = await listTree(folder);
    expect(photos).toHaveLength(16);
    const states = await Promise.all(
      photos.map(async (photo) => {
        const { width, height, orientation } = await sharp(join(folder, photo)).metadata();
        return `${width}x${height} orientation ${orientation}`;
      }),
    );
    expect(new Set(states)).toEqual(new Set(['1800x2400 orientation 1', '2400x1800 orientation 6']));
  });

  it('runs model.train periodically until a run of it is cancelled', async () => {
    const dir = tempDir();
    const data = join(dir, 'data.csv');
    await writeFile(data, trainingCsv(20));
    const engine = await openEngine();

    const first = await engine.start('model.train', { data, epochs: 200 }, { every: '1s' });
    expect(first.scheduleId).not.toBeNull();
    expect(await finished(engine, first.id)).toMatchObject({ state: 'succeeded', summary: { rows: 20 } });
    const model = JSON.parse(await readFile(join(dir, 'data.model.json'), 'utf8'));
    expect(model.features).toEqual(['a', 'b']);

    const second = await waitForNextRun(engine, first.scheduleId!, [first.id]);
    expect(await finished(engine, second)).toMatchObject({
      state: 'succeeded',
      summary: { warmStart: true },
    });
    const third = await waitForNextRun(engine, first.scheduleId!, [first.id, second], 'queued');
    await engine.cancel(third);

    expect((await finished(engine, third)).state).toBe('cancelled');
    expect(await engine.list({ name: 'model.train', state: ['queued', 'running'] })).toEqual([]);
  });

  it('cancels model.train mid-fit, leaving no model file and no temporary file', async () => {
    const dir = tempDir();
    const data = join(dir, 'data.csv');
    await writeFile(data, trainingCsv(50_000));
    const engine = await openEngine();

    const job = await engine.start('model.train', { data, epochs: 100_000, tolerance: 0 });
    const loss = await waitForEvent(
      engine,
      job.id,
      isProgress((event) => event.progress.message?.startsWith('loss ') ?? false),
    );
    expect(loss.progress.message).toMatch(/^loss \d/);
    await engine.cancel(job.id);

    expect((await finished(engine, job.id)).state).toBe('cancelled');
    expect(await listTree(dir)).toEqual(['data.csv']);
    expect(await engine.list({ name: 'model.train', state: ['queued', 'running'] })).toEqual([]);
  });

  it('fetches feeds in one worker and returns the summary', async () => {
    const server = await startFeedServer({
      '/rss': xml(rss('RSS', [{ guid: 'a', title: 'A', date: 'Mon, 01 Jan 2024 10:00:00 GMT' }])),
      '/atom': xml(atom('Atom', [{ id: 'b', title: 'B', updated: '2024-01-01T00:00:00Z' }])),
    });
    const output = tempDir();
    const engine = await openEngine();
    const job = await engine.start('feeds.fetch', {
      feeds: [server.url('/rss'), server.url('/atom'), server.url('/404')],
      output,
    });
    const done = await finished(engine, job.id);
    expect(done).toMatchObject({ state: 'partial', summary: { fetched: 2, failed: 1, newEntries: 2 } });
    expect((await listTree(output)).filter((name) => name.endsWith('.jsonl'))).toHaveLength(1);
  });

  it('runs photo.tidy, files.index and files.checksum on one folder', async () => {
    // A folder inside the temp dir: the index and the manifest are written beside it.
    const folder = join(tempDir(), 'photos');
    await mkdir(folder);
    await makeImage(join(folder, 'p.jpg'), {
      width: 40,
      height: 20,
      orientation: 6,
      taken: '2021:03:04 05:06:07',
    });
    const engine = await openEngine();

    const tidy = await finished(
      engine,
      (await engine.start('photo.tidy', { folder, rename: '{YYYY}{MM}{DD}' })).id,
    );
    expect(tidy).toMatchObject({ state: 'succeeded', summary: { rotated: 1, dated: 1, renamed: 1 } });

    const index = await finished(engine, (await engine.start('files.index', { root: folder })).id);
    expect(index).toMatchObject({ state: 'succeeded', summary: { entries: 1, files: 1 } });
    const line = JSON.parse(await readFile(join(folder, '.index.jsonl'), 'utf8'));
    expect(line).toMatchObject({
      path: '20210304.jpg',
      kind: 'file',
      mtime: new Date(2021, 2, 4, 5, 6, 7).toISOString(),
    });

    const sum = await finished(engine, (await engine.start('files.checksum', { root: folder })).id);
    // The photo and the index files.index left inside the folder, where a job's default output goes.
    expect(sum).toMatchObject({ state: 'succeeded', summary: { files: 2 } });
    const verify = await finished(
      engine,
      (await engine.start('files.checksum', { root: folder, mode: 'verify' })).id,
    );
    expect(verify).toMatchObject({ state: 'succeeded', summary: { ok: true, matched: 2 } });
  });
});

/** y = 2a − b over `rows` rows. */
function trainingCsv(rows: number): string {
  const lines = Array.from(
    { length: rows },
    (_, i) => `${i % 50},${(i * 7) % 13},${2 * (i % 50) - ((i * 7) % 13)}`,
  );
  return `a,b,y\n${lines.join('\n')}\n`;
}

/** The id of the schedule's first run not in `previous`, once it is queued or has started. */
async function waitForNextRun(
  engine: Awaited<ReturnType<typeof openEngine>>,
  scheduleId: string,
  previous: string[],
  on: 'queued' | 'started' = 'started',
): Promise<string> {
  for await (const event of engine.events({ after: 0, signal: AbortSignal.timeout(15_000) })) {
    if (event.type === on && !previous.includes(event.jobId)) {
      const job = await engine.get(event.jobId);
      if (job?.scheduleId === scheduleId) return job.id;
    }
  }
  throw new Error('the schedule never started another run');
}
