// The countdowns' clock: it ticks for its readers, and only while there are some.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTicker } from '../src/client/index.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('createTicker', () => {
  it('tells each reader every period, keeps the same time between ticks, and stops with its last reader', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const ticker = createTicker(1000);
    const seen: number[] = [];
    const stop = ticker.subscribe(() => seen.push(ticker.now()));
    const other = ticker.subscribe(() => {});
    expect(ticker.now()).toBe(1_000_000);
    vi.advanceTimersByTime(400);
    expect(ticker.now()).toBe(1_000_000);
    vi.advanceTimersByTime(2600);
    expect(seen).toEqual([1_001_000, 1_002_000, 1_003_000]);
    stop();
    other();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('reads the time now when a reader comes after a pause, not the last tick', () => {
    vi.useFakeTimers({ now: 0 });
    const ticker = createTicker(1000);
    ticker.subscribe(() => {})();
    vi.advanceTimersByTime(60_000);
    expect(ticker.now()).toBe(0);
    const stop = ticker.subscribe(() => {});
    expect(ticker.now()).toBe(60_000);
    stop();
  });
});
