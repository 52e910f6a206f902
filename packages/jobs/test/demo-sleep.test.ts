import { describe, expect, it } from 'vitest';
import demoSleep from '../src/demo-sleep.js';
import { runInThread, testContext } from './helpers/context.js';

describe('demo.sleep', () => {
  it('fails every Nth item on purpose and counts the rest', async () => {
    const { summary, outcomes } = await runInThread(demoSleep, { items: 7, ms: 0, failEvery: 3 });
    expect(outcomes.map((o) => o.outcome)).toEqual([
      'succeeded',
      'succeeded',
      'failed',
      'succeeded',
      'succeeded',
      'failed',
      'succeeded',
    ]);
    expect(summary).toEqual({ total: 7, succeeded: 5, failed: 2, cancelled: 0, sleptMs: 0 });
  });

  it('a sleeping item stops as soon as it is cancelled', async () => {
    const ctx = testContext((done) => {
      if (done > 0) ctx.cancel();
    });
    const input = demoSleep.input.parse({ ms: 60_000 });
    const started = performance.now();
    await expect(demoSleep.process!(0, ctx, input)).rejects.toThrow();
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('in cpu mode spins to the end even when cancelled, reporting progress as it goes', async () => {
    const ctx = testContext();
    ctx.cancel();
    const input = demoSleep.input.parse({ ms: 30, cpu: true });
    expect(await demoSleep.process!(0, ctx, input)).toBe(30);
    expect(ctx.updates.length).toBeGreaterThan(10);
    expect(ctx.updates.at(-1)?.total).toBe(30);
  });

  it('has defaults for every field, for a form with nothing filled in', () => {
    expect(demoSleep.input.parse({})).toEqual({ items: 20, ms: 250, failEvery: 0, cpu: false });
  });
});
