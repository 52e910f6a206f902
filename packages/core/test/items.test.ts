// Where and when a job's items ran: a row per batch in the store, read back as
// a page of items by index (filtered by status) and a timeline per thread.
import { join } from 'node:path';
import { until } from '@threadline/testing';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { Engine } from '../src/engine/types.js';
import type { ItemRow, TimelineSpan } from '../src/protocol/types.js';
import { MAX_SPANS, mergeSpans } from '../src/store/item-rows.js';
import { fixture, openEngine } from './helpers.js';

const STRAGGLER = fixture('straggler');

/** Every item of a job, following `next` from page to page. */
async function allItems(engine: Engine, jobId: string, status?: ItemRow['status'], limit = 100) {
  const items: ItemRow[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await engine.items(jobId, {
      limit,
      ...(status && status !== 'running' ? { status } : {}),
      ...(cursor ? { cursor } : {}),
    });
    items.push(...page.items);
    cursor = page.next ?? undefined;
    pages++;
  } while (cursor);
  return { items, pages };
}

function batchRows(engine: Engine, jobId: string): number {
  const db = new Database(join(engine.dataDir, 'threadline.db'), { readonly: true });
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM item_batches WHERE job_id = ?').get(jobId) as { n: number })
      .n;
  } finally {
    db.close();
  }
}

/** A job ends in memory first; its record and its last batch rows reach the store in the next tick's one write. */
async function storedFinished(engine: Engine, jobId: string): Promise<void> {
  const db = new Database(join(engine.dataDir, 'threadline.db'), { readonly: true });
  try {
    const finishedAt = db.prepare('SELECT finished_at FROM jobs WHERE id = ?');
    await until(
      () => (finishedAt.get(jobId) as { finished_at: number | null } | undefined)?.finished_at,
      'the job finished in the store',
    );
  } finally {
    db.close();
  }
}

describe('items and timeline', () => {
  it('records a row per batch: tiny items share rows, a slow item has its own exact one', async () => {
    const engine = await openEngine();
    const tiny = await engine.start('test.tiny', { n: 20_000 });
    await engine.waitFor(tiny.id);
    await storedFinished(engine, tiny.id);
    const rows = batchRows(engine, tiny.id);
    expect(rows).toBeGreaterThan(1);
    expect(rows).toBeLessThan(2000);
    const timeline = await engine.timeline(tiny.id);
    expect(timeline.threads).toBe(2);
    expect(timeline.spans.reduce((n, span) => n + span.items, 0)).toBe(20_000);

    const job = await engine.start(STRAGGLER, { n: 30, ms: 20, slowOn: [3], slowMs: 1500 });
    await engine.waitFor(job.id);
    const spans = (await engine.timeline(job.id)).spans;
    const slow = spans.find((span) => span.first === 3)!;
    expect(slow).toMatchObject({ items: 1, first: 3, last: 3, succeeded: 1, end: expect.any(Number) });
    expect(slow.end! - slow.start).toBeGreaterThanOrEqual(1500);
    // The other thread went on with the rest meanwhile.
    const others = spans.filter((span) => span.thread !== slow.thread);
    expect(others.reduce((n, span) => n + span.items, 0)).toBeGreaterThan(20);
    const item = (await engine.items(job.id, { cursor: '3', limit: 1 })).items[0]!;
    expect(item).toMatchObject({ index: 3, status: 'succeeded', thread: slow.thread, approximate: false });
    expect(item.ms).toBeGreaterThanOrEqual(1500);
  });

  it('pages a job’s items by index and by status, with each failure’s error and every item once', async () => {
    const engine = await openEngine();
    const failOn = [5, 150, 299];
    const job = await engine.start(STRAGGLER, { n: 300, ms: 1, failOn });
    await engine.waitFor(job.id);

    const all = await allItems(engine, job.id);
    expect(all.pages).toBe(3);
    expect(all.items.map((item) => item.index)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    for (const item of all.items) {
      expect(item.status).toBe(failOn.includes(item.index) ? 'failed' : 'succeeded');
      expect(item.thread === 0 || item.thread === 1).toBe(true);
      expect(item.ms).toEqual(expect.any(Number));
    }

    const failed = await allItems(engine, job.id, 'failed', 2);
    expect(failed.items.map((item) => [item.index, item.error])).toEqual(
      failOn.map((i) => [i, `item ${i} is bad`]),
    );
    expect(failed.items.every((item) => !item.approximate && item.thread !== null)).toBe(true);
    const succeeded = await allItems(engine, job.id, 'succeeded', 64);
    expect(succeeded.items).toHaveLength(297);
    expect(succeeded.items.some((item) => failOn.includes(item.index))).toBe(false);
    expect((await engine.items(job.id, { status: 'cancelled' })).items).toEqual([]);
    expect((await engine.items(job.id, { status: 'pending' })).items).toEqual([]);

    await expect(engine.items(job.id, { limit: 0 })).rejects.toMatchObject({ code: 'VALIDATION' });
    await expect(engine.items(job.id, { cursor: 'x' })).rejects.toMatchObject({ code: 'VALIDATION' });
    await expect(engine.items('j_nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(engine.timeline('j_nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('shows a running straggler as running on its thread, and the items of a cancelled job that never ran as cancelled', async () => {
    const engine = await openEngine();
    const job = await engine.start(STRAGGLER, { n: 40, ms: 0, slowOn: [0], slowMs: 60_000 });
    // The rest go by on the other thread while item 0 holds its own.
    await until(
      async () => ((await engine.get(job.id))!.items.succeeded === 39 ? true : undefined),
      '39 items',
    );
    const page = await engine.items(job.id, { status: 'pending', limit: 5 });
    expect(page.items).toHaveLength(1);
    const running = page.items[0];
    expect(running).toMatchObject({ index: 0, status: 'running', thread: expect.any(Number) });
    const open = (await engine.timeline(job.id)).spans.filter((span) => span.end === null);
    expect(open).toEqual([expect.objectContaining({ first: 0, last: 0, items: 1 })]);

    await engine.cancel(job.id, { force: true });
    const done = await engine.waitFor(job.id);
    expect(done.state).toBe('cancelled');
    const items = await allItems(engine, job.id);
    expect(items.items.find((item) => item.index === 0)?.status).toBe('cancelled');
    const cancelled = await allItems(engine, job.id, 'cancelled');
    expect(cancelled.items.length).toBe(done.items.cancelled);
  });

  it('merges a long job’s spans to a bounded number, keeping the counts and a lone straggler', () => {
    const spans: TimelineSpan[] = [];
    for (let thread = 0; thread < 4; thread++) {
      for (let i = 0; i < 5000; i++) {
        const start = i * 10;
        spans.push({
          thread,
          start,
          end: start + 9,
          items: 2,
          first: i * 8 + thread * 2,
          last: i * 8 + thread * 2 + 1,
          succeeded: 2,
          failed: 0,
          cancelled: 0,
          batches: 1,
        });
      }
    }
    // A thread that ran one item, for ages, after a long pause.
    spans.push({ ...spans[0]!, thread: 4, start: 30_000, end: 49_000, items: 1, succeeded: 0, failed: 1 });
    const { spans: merged, merged: wasMerged } = mergeSpans(spans, MAX_SPANS);
    expect(wasMerged).toBe(true);
    expect(merged.length).toBeLessThanOrEqual(MAX_SPANS);
    expect(merged.reduce((n, span) => n + span.items, 0)).toBe(4 * 5000 * 2 + 1);
    expect(merged.reduce((n, span) => n + span.batches, 0)).toBe(spans.length);
    expect(merged.filter((span) => span.thread === 4)).toEqual([
      expect.objectContaining({ start: 30_000, end: 49_000, failed: 1, batches: 1 }),
    ]);
    expect(mergeSpans(spans.slice(0, 10), MAX_SPANS).merged).toBe(false);
  });

  it('deletes a job’s batch rows with the job, and clearFinished those of every finished job', async () => {
    const engine = await openEngine();
    const a = await engine.start(STRAGGLER, { n: 10 });
    const b = await engine.start(STRAGGLER, { n: 10 });
    await engine.waitFor(a.id);
    await engine.waitFor(b.id);
    await storedFinished(engine, a.id);
    await storedFinished(engine, b.id);
    expect(batchRows(engine, a.id)).toBeGreaterThan(0);
    await engine.delete(a.id);
    expect(batchRows(engine, a.id)).toBe(0);
    expect(batchRows(engine, b.id)).toBeGreaterThan(0);
    await engine.clearFinished();
    expect(batchRows(engine, b.id)).toBe(0);
  });
});
