// The contract's items and timeline tests: a page of a job's items by index
// (every item once, filtered by status, failures with their reason) and spans
// per thread; on a backend without them yet, a refusal that says so.
import {
  type ItemQuery,
  type ItemRow,
  type JobClient,
  NotFoundError,
  ValidationError,
} from '@threadline/core';
import { expect, it } from 'vitest';
import { finished } from './events.js';
import { expectRefusal } from './resume.js';
import type { Backend } from './suite.js';

function need<K extends 'items' | 'timeline'>(client: JobClient, method: K): NonNullable<JobClient[K]> {
  const fn = client[method];
  if (!fn) throw new Error(`this client has no ${method}`);
  return fn.bind(client) as NonNullable<JobClient[K]>;
}

/** Every item `query` matches, page by page. */
async function allItems(client: JobClient, jobId: string, query: ItemQuery) {
  const items: ItemRow[] = [];
  let pages = 0;
  let cursor: string | undefined;
  do {
    const page = await need(client, 'items')(jobId, { ...query, ...(cursor ? { cursor } : {}) });
    items.push(...page.items);
    cursor = page.next ?? undefined;
    pages++;
  } while (cursor);
  return { items, pages };
}

export function itemsContract(open: () => Promise<Backend>): void {
  it('pages a job’s items by index and status, with the failures’ reasons, and its spans per thread', async () => {
    const { client } = await open();
    const job = await finished(client, (await client.start('contract.count', { n: 12, failOn: [2, 5] })).id);
    expect(job.state).toBe('partial');

    const all = await allItems(client, job.id, { limit: 5 });
    expect(all.pages).toBe(3);
    expect(all.items.map((item) => item.index)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(all.items.filter((item) => item.status === 'failed').map((item) => item.index)).toEqual([2, 5]);
    expect(all.items.filter((item) => item.status === 'succeeded')).toHaveLength(10);
    for (const item of all.items) expect(item.thread).toEqual(expect.any(Number));

    const failed = await allItems(client, job.id, { status: 'failed', limit: 1 });
    expect(failed.items.map((item) => [item.index, item.error])).toEqual([
      [2, 'item 2 fails on purpose'],
      [5, 'item 5 fails on purpose'],
    ]);
    expect((await need(client, 'items')(job.id, { status: 'pending' })).items).toEqual([]);

    const timeline = await need(client, 'timeline')(job.id);
    expect(timeline.threads).toBeGreaterThanOrEqual(1);
    expect(timeline.spans.reduce((n, span) => n + span.items, 0)).toBe(12);
    expect(timeline.spans.reduce((n, span) => n + span.failed, 0)).toBe(2);
    for (const span of timeline.spans) {
      expect(span.thread).toBeLessThan(timeline.threads);
      expect(span.end).toBeGreaterThanOrEqual(span.start);
    }

    await expectRefusal(need(client, 'items')('j_nope'), NotFoundError, 'NOT_FOUND', /j_nope/);
    await expectRefusal(need(client, 'timeline')('j_nope'), NotFoundError, 'NOT_FOUND', /j_nope/);
    await expect(
      need(client, 'items')(job.id, { status: 'lost' as NonNullable<ItemQuery['status']> }),
    ).rejects.toMatchObject({ code: 'VALIDATION' });
  });
}

export function noItemsContract(open: () => Promise<Backend>): void {
  it('refuses items and timeline with a ValidationError saying they are not available', async () => {
    const { client } = await open();
    const job = await finished(client, (await client.start('contract.count', { n: 2 })).id);
    await expectRefusal(
      need(client, 'items')(job.id),
      ValidationError,
      'VALIDATION',
      /items is not available/,
    );
    await expectRefusal(
      need(client, 'timeline')(job.id),
      ValidationError,
      'VALIDATION',
      /timeline is not available/,
    );
  });
}
