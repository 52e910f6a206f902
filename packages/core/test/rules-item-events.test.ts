// A batch's outcome into item events, as the engine and the BullMQ backend share it: no pool, no store.
import { describe, expect, it } from 'vitest';
import { itemEvent, itemLabel, settleBatch } from '../src/rules/item-events.js';

describe('rules: item events', () => {
  const job = { id: 'j_1', mode: 'process' as const };
  const items = [
    { index: 4, item: { path: '/a.jpg' } },
    { index: 5, item: 'b.txt' },
    { index: 6, item: { size: 3 } },
  ];
  const last = { current: -1, completed: 3, done: 0, total: null, message: null };
  const boom = { message: 'boom' };

  it('labels items by themselves or their path, name, url…', () => {
    expect(itemLabel('x'.repeat(300))).toHaveLength(200);
    expect(itemLabel(7)).toBe('7');
    expect(itemLabel({ name: 'n', path: 'p' })).toBe('p');
    expect(itemLabel({ id: 12 })).toBe('12');
    expect(itemLabel({ size: 3 })).toBeNull();
    expect(itemLabel(null)).toBeNull();
    // A run's one item is its input: never labelled.
    expect(itemEvent({ id: 'j_2', mode: 'run' }, { index: 0, item: 'in' }, 'succeeded', 1).label).toBeNull();
  });

  it('turns a batch that ran into one event an item, keeping what succeeded items returned', () => {
    const outcome = {
      kind: 'done' as const,
      last,
      results: [
        { outcome: 'succeeded' as const, result: 10, ms: 1.23456 },
        { outcome: 'failed' as const, error: boom, ms: 2 },
        { outcome: 'cancelled' as const, ms: 0.5 },
      ],
    };
    const { settled, rerun } = settleBatch(job, items, outcome, false);
    expect(rerun).toEqual([]);
    expect(settled.map((s) => s.event)).toEqual([
      { type: 'item', jobId: 'j_1', index: 4, outcome: 'succeeded', label: '/a.jpg', error: null, ms: 1.23 },
      { type: 'item', jobId: 'j_1', index: 5, outcome: 'failed', label: 'b.txt', error: boom, ms: 2 },
      { type: 'item', jobId: 'j_1', index: 6, outcome: 'cancelled', label: null, error: null, ms: 0.5 },
    ]);
    expect(settled.map((s) => s.returned)).toEqual([{ value: 10, ms: 1.23456 }, undefined, undefined]);
  });

  it('fails every item of a batch that could not run, with its reason', () => {
    const { settled, rerun } = settleBatch(job, items, { kind: 'error', error: boom }, false);
    expect(rerun).toEqual([]);
    expect(settled.map((s) => [s.event.index, s.event.outcome, s.event.error])).toEqual([
      [4, 'failed', boom],
      [5, 'failed', boom],
      [6, 'failed', boom],
    ]);
  });

  it('fails only the item a dead thread held; what it finished stands and the rest run again', () => {
    const lost = { kind: 'lost' as const, error: new Error('worker exited'), completed: 1 };
    const { settled, rerun } = settleBatch(job, items, lost, false);
    expect(settled.map((s) => [s.event.index, s.event.outcome, s.event.error?.message ?? null])).toEqual([
      [4, 'succeeded', null],
      [5, 'failed', 'worker exited'],
    ]);
    // Its results died with it.
    expect(settled[0]!.returned).toBeUndefined();
    expect(rerun).toEqual([items[2]]);
  });

  it('cancels what a dead thread held and everything after it when the job is stopping', () => {
    const lost = { kind: 'lost' as const, error: new Error('terminated'), completed: 0 };
    const { settled, rerun } = settleBatch(job, items, lost, true);
    expect(settled.map((s) => s.event.outcome)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    expect(rerun).toEqual([]);
  });
});
