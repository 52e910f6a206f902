// The harness works end to end: the quick dispatch measure on a few hundred
// items through a real engine, piscina and tinypool gives a complete record.
// No timing goal is asserted here: timing belongs to `npm run bench`.
import { describe, expect, it } from 'vitest';
import { measureDispatch } from '../src/measures/dispatch.js';

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
});
