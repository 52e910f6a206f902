// The harness works end to end: the quick dispatch measure on a few hundred
// items through a real engine, piscina and tinypool gives a complete record.
// No timing goal is asserted here: timing belongs to `npm run bench`.
import { describe, expect, it } from 'vitest';
import { measureDispatch } from '../src/measures/dispatch.js';
import { measureItems } from '../src/measures/items.js';

describe('bench harness', () => {
  it('measures dispatch through the engine and both peers and records the ratio', async () => {
    const result = await measureDispatch({ quick: true, threads: 2, log: () => {} }, { items: 300, runs: 1 });
    expect(result.status).toBe('measured');
    expect(result.threadline).toBeGreaterThan(0);
    expect(result.peers.piscina).toBeGreaterThan(0);
    expect(result.peers.tinypool).toBeGreaterThan(0);
    expect(result.ratio).toBeCloseTo(result.threadline! / result.peers.piscina!, 6);
    expect(typeof result.pass).toBe('boolean');
  });

  it('measures one job of many items and the bare loop, each in a process of its own', async () => {
    const records = await measureItems({ quick: true, threads: 2, log: () => {} }, { items: 5000, runs: 1 });
    expect(records.map((r) => r.unit)).toEqual(['items/s', 'MB', 'MB']);
    const [rate, rss, store] = records;
    expect(rate!.threadline).toBeGreaterThan(0);
    expect(rate!.peers['bare worker loop']).toBeGreaterThan(0);
    expect(rss!.threadline).toBeGreaterThan(rss!.peers['bare worker loop']! / 2);
    expect(store!.threadline).toBeGreaterThan(0);
    expect(store!.threadline).toBeLessThan(10);
  });
});
