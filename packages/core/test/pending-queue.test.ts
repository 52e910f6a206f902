import { describe, expect, it } from 'vitest';
import { BatchList } from '../src/engine/active-job.js';
import { indexAt, PendingQueue, type TakenItems } from '../src/engine/pending-queue.js';

const fill = (queue: PendingQueue, from: number, to: number) => {
  for (let i = from; i < to; i++) queue.add(i, `item ${i}`);
};
const positions = (taken: TakenItems) => taken.items.map((_, i) => indexAt(taken, i));

describe('pending queue', () => {
  it('hands out items in order, across the ring’s wrap and its growth', () => {
    const queue = new PendingQueue();
    fill(queue, 0, 10);
    expect(positions(queue.take(7))).toEqual([0, 1, 2, 3, 4, 5, 6]);
    // 3 left near the ring's end; 20 more wrap around it and make it grow.
    fill(queue, 10, 30);
    expect(queue.length).toBe(23);
    const taken = queue.take(15);
    expect(taken).toMatchObject({ first: 7, indices: null });
    expect(positions(taken)).toEqual(Array.from({ length: 15 }, (_, i) => 7 + i));
    expect(taken.items[0]).toBe('item 7');
    expect(positions(queue.take(100))).toEqual(Array.from({ length: 8 }, (_, i) => 22 + i));
    expect(queue.length).toBe(0);
    expect(queue.take(5).items).toEqual([]);
  });

  it('puts a dead thread’s items back at the front, in their order', () => {
    const queue = new PendingQueue();
    fill(queue, 5, 8);
    queue.unshift({ index: 2, item: 'item 2' }, { index: 3, item: 'item 3' });
    const taken = queue.take(10);
    expect(taken.indices).toEqual([2, 3, 5, 6, 7]);
    expect(taken.items).toEqual(['item 2', 'item 3', 'item 5', 'item 6', 'item 7']);
  });

  it('names every position when two dead threads’ items wait out of order, whatever their span', () => {
    // Batches [0, 1, 2] and [3, 4, 5] out, 8 on waiting; both threads die at their first item:
    // 4, 5, 1, 2, 8 spans 4..8 like five consecutive positions, and is not.
    const queue = new PendingQueue();
    fill(queue, 8, 10);
    queue.unshift({ index: 1, item: 'item 1' }, { index: 2, item: 'item 2' });
    queue.unshift({ index: 4, item: 'item 4' }, { index: 5, item: 'item 5' });
    expect(positions(queue.take(5))).toEqual([4, 5, 1, 2, 8]);
  });

  it('drops what waits when its length is set', () => {
    const queue = new PendingQueue();
    fill(queue, 0, 40);
    queue.length = 0;
    expect(queue.length).toBe(0);
    fill(queue, 40, 42);
    expect(positions(queue.take(10))).toEqual([40, 41]);
  });
});

describe('batch list', () => {
  it('adds, deletes and goes through its batches like a set, even when one is deleted on the way', () => {
    const list = new BatchList();
    const batches = [0, 1, 2].map((i) => ({
      slot: {} as never,
      first: i,
      indices: null,
      items: [i],
      startedAt: 0,
    }));
    for (const batch of batches) list.add(batch);
    const seen: number[] = [];
    for (const batch of list) {
      seen.push(batch.first);
      list.delete(batch);
    }
    expect(seen).toEqual([0, 1, 2]);
    expect(list.size).toBe(0);
  });
});
