// Cell sampling with rate and ETA, as the engine and the BullMQ backend share it: no pool, no store.
import { describe, expect, it } from 'vitest';
import type { CellSample } from '../src/progress/cell-reader.js';
import { etaOf, fractionOf, RateMeter, shareOfCells } from '../src/rules/sampler.js';

describe('rules: sampler', () => {
  const cell = (over: Partial<CellSample>): CellSample => ({
    current: -1,
    completed: 0,
    done: 0,
    total: null,
    message: null,
    ...over,
  });

  it('folds the cells of a job’s batches: finished items, running items’ fractions, the latest word', () => {
    const share = shareOfCells([
      { cell: cell({ completed: 3, current: 3, done: 5, total: 10, message: 'a' }), items: 8 },
      // A cell already counting its next batch still counts only this one's items.
      { cell: cell({ completed: 9 }), items: 4 },
      { cell: cell({ completed: 1, current: 1, done: 3, total: 4, message: null }), items: 2 },
    ]);
    expect(share).toEqual({
      completed: 8,
      partial: 1.25,
      message: 'a',
      running: true,
      itemDone: 3,
      itemTotal: 4,
    });
    expect(shareOfCells([])).toMatchObject({ completed: 0, partial: 0, message: null, running: false });
  });

  it('says how far a job is, with nothing to do as done', () => {
    expect(fractionOf(5, 0.5, 10)).toBe(0.55);
    expect(fractionOf(10, 1, 10)).toBe(1);
    expect(fractionOf(0, 0, 0)).toBe(1);
    expect(fractionOf(5, 0, null)).toBeNull();
  });

  it('reads a steady 20 items a second as 20/s, with the ETA of what is left', () => {
    const meter = new RateMeter();
    const t0 = 1_000_000;
    // Nothing done yet: no rate, and the clock of the rate has not started (a pool starting up).
    expect(meter.update(t0, 0)).toBeNull();
    expect(meter.update(t0 + 100, 2)).toBeNull();
    for (let s = 1; s <= 10; s++) meter.update(t0 + 100 + s * 500, 2 + s * 10);
    expect(meter.rate).toBeCloseTo(20, 10);
    expect(etaOf(meter.rate, 100, 200)).toBeCloseTo(5, 10);
    expect(etaOf(meter.rate, 250, 200)).toBe(0);
  });

  it('follows a change of pace over seconds instead of jumping, and a stall lowers it', () => {
    const meter = new RateMeter();
    let t = 1000;
    let done = 1;
    meter.update(t, done);
    const run = (perSecond: number, seconds: number) => {
      for (let i = 0; i < seconds * 4; i++) {
        t += 250;
        done += perSecond / 4;
        meter.update(t, done);
      }
    };
    run(10, 20);
    expect(meter.rate).toBeCloseTo(10, 5);
    run(30, 1);
    expect(meter.rate!).toBeGreaterThan(10);
    expect(meter.rate!).toBeLessThan(20);
    run(30, 15);
    expect(meter.rate!).toBeGreaterThan(28);
    run(0, 1);
    expect(meter.rate!).toBeGreaterThan(20);
    expect(meter.rate!).toBeLessThan(28);
  });

  it('gives a steady ETA for items that finish in bursts, from soon after the first one', () => {
    // 5 items a second, two at a time every 400 ms give or take 100 ms, after 1.5 s of start-up,
    // sampled every 100 ms as the engine does; 100 items in all.
    let seed = 7;
    const jitter = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return (seed / 2 ** 31 - 0.5) * 200;
    };
    const finishes: number[] = [];
    for (let at = 1500, i = 0; i < 100; i += 2, at += 400) finishes.push(at + jitter(), at + jitter());
    finishes.sort((a, b) => a - b);
    const meter = new RateMeter();
    const etas: { at: number; eta: number; left: number }[] = [];
    for (let now = 0; now <= finishes.at(-1)!; now += 100) {
      const done = finishes.filter((at) => at <= now).length;
      const rate = meter.update(now, done);
      if (now % 1000 === 0 && rate !== null)
        etas.push({ at: now, eta: etaOf(rate, done, 100)!, left: (finishes.at(-1)! - now) / 1000 });
    }
    // Two seconds after the first item: about 5/s already (not 0.9/s).
    expect(etas.find((e) => e.at === 4000)!.eta).toBeGreaterThan(0);
    const early = etas.find((e) => e.at === 4000)!;
    expect(Math.abs(early.eta - early.left) / early.left).toBeLessThan(0.2);
    // From two seconds after the first item on.
    const steady = etas.filter((e) => e.at >= 3500);
    for (const [previous, next] of steady.slice(1).map((e, i) => [steady[i]!, e] as const)) {
      // A second later, about a second less: never up, never down by more than two.
      expect(next.eta).toBeLessThanOrEqual(previous.eta + 0.5);
      expect(previous.eta - next.eta).toBeLessThan(2);
    }
  });

  it('has an ETA of 0 once all is done, and none while the rate or the total is unknown', () => {
    expect(etaOf(null, 10, 10)).toBe(0);
    expect(etaOf(null, 5, 10)).toBeNull();
    expect(etaOf(4, 5, null)).toBeNull();
    expect(etaOf(0, 5, 10)).toBeNull();
  });
});
