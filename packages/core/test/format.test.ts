import { describe, expect, it } from 'vitest';
import {
  formatAgo,
  formatBytes,
  formatClock,
  formatCount,
  formatItemCounts,
  formatJobCount,
  formatJobProgressLine,
  formatLastRun,
  formatNextRun,
  formatProgressLine,
} from '../src/protocol/format.js';
import type { ItemCounts, JobState, Progress } from '../src/protocol/types.js';

const progress = { done: 12, total: 40, fraction: 0.3, rate: 3.14, eta: 9, message: null };

const job = (state: JobState, items: ItemCounts, at: Partial<Progress> = {}, unit = 'files') => ({
  state,
  items,
  unit,
  progress: { ...progress, ...at },
});

describe('format', () => {
  it('says where a job is in its own unit', () => {
    expect(formatProgressLine(progress, 'files')).toBe('12/40 files (30.0%) 3.1/s eta 9s');
    expect(formatCount({ done: 7, total: null }, 'feeds')).toBe('7 feeds');
  });

  it('reads bytes as sizes, rate included', () => {
    const bytes = { ...progress, done: 1536, total: 64 * 1024 * 1024, rate: 12 * 1024 * 1024 };
    expect(formatProgressLine(bytes, 'bytes')).toBe('1.5 KB/64 MB (30.0%) 12 MB/s eta 9s');
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
  });

  it('counts a job’s succeeded, failed and cancelled items apart', () => {
    const items = { total: 12, succeeded: 8, failed: 4, cancelled: 0 };
    expect(formatItemCounts(items)).toBe('8 succeeded, 4 failed, 0 cancelled of 12');
    expect(formatItemCounts({ ...items, total: null })).toMatch(/ of \?$/);
    // All well: the progress's own count, as before.
    const clean = { total: 40, succeeded: 12, failed: 0, cancelled: 0 };
    expect(formatJobCount(job('running', clean))).toBe('12/40 files');
    expect(formatJobProgressLine(job('running', clean))).toBe('12/40 files (30.0%) 3.1/s eta 9s');
    // Running with failures: they are said beside the count.
    const failing = { total: 40, succeeded: 10, failed: 2, cancelled: 0 };
    expect(formatJobProgressLine(job('running', failing))).toBe('12/40 files, 2 failed (30.0%) 3.1/s eta 9s');
  });

  it('never reads a partial or cancelled job as 100%, even when every item ran', () => {
    const ran = { done: 12, total: 12, fraction: 1, rate: 2, eta: 0 };
    const partial = job('partial', { total: 12, succeeded: 8, failed: 4, cancelled: 0 }, ran);
    expect(formatJobCount(partial)).toBe('8/12 files, 4 failed');
    expect(formatJobProgressLine(partial)).toBe('8/12 files, 4 failed (66.7%)');
    const cancelled = job('cancelled', { total: 40, succeeded: 10, failed: 0, cancelled: 30 }, ran);
    expect(formatJobProgressLine(cancelled)).toBe('10/40 files, 30 cancelled (25.0%)');
    // The last item succeeded as the cancel came: still not 100%.
    const late = job('cancelled', { total: 3, succeeded: 2, failed: 0, cancelled: 1 }, ran, 'items');
    expect(formatJobProgressLine(late)).toBe('2/3 items, 1 cancelled (66.7%)');
    const done = job('succeeded', { total: 12, succeeded: 12, failed: 0, cancelled: 0 }, ran);
    expect(formatJobProgressLine(done)).toBe('12/12 files (100.0%) 2.0/s eta 0s');
    // Bytes are the progress's unit, not what failed: the items are counted as items.
    const bytes = job('partial', { total: 3, succeeded: 2, failed: 1, cancelled: 0 }, ran, 'bytes');
    expect(formatJobCount(bytes)).toBe('2/3 items, 1 failed');
  });
});

describe("a schedule's next run", () => {
  const now = Date.parse('2026-12-01T12:00:00Z');
  it('counts down to due now, and says paused for a paused one', () => {
    expect(formatNextRun({ paused: false, nextRunAt: now + 65_000 }, now)).toBe('in 1m05s');
    expect(formatNextRun({ paused: false, nextRunAt: now + 400 }, now)).toBe('due now');
    expect(formatNextRun({ paused: true, nextRunAt: now + 65_000 }, now)).toBe('paused');
    expect(formatNextRun({ paused: false, nextRunAt: null }, now)).toBe('paused');
  });

  it('reads the local time, with the date once it is a day or more away', () => {
    expect(formatClock(now + 60_000, now)).toBe(new Date(now + 60_000).toLocaleTimeString());
    expect(formatClock(now + 2 * 86_400_000, now)).toBe(new Date(now + 2 * 86_400_000).toLocaleString());
  });
});

describe("a schedule's last run", () => {
  const now = Date.parse('2026-12-01T12:00:00Z');
  it('says how it ended and how long ago, in the largest whole unit', () => {
    expect(formatLastRun({ state: 'succeeded', finishedAt: now - 125_000 }, now)).toBe('succeeded · 2m ago');
    expect(formatLastRun({ state: 'partial', finishedAt: now - 42_400 }, now)).toBe('partial · 42s ago');
    expect(formatLastRun(null, now)).toBe('none yet');
    expect(formatAgo(now - 300, now)).toBe('just now');
    expect(formatAgo(now - 3 * 3_600_000 - 59_000, now)).toBe('3h ago');
    expect(formatAgo(now - 2 * 86_400_000, now)).toBe('2d ago');
    // A clock a little behind the server's is not "in the future".
    expect(formatAgo(now + 5000, now)).toBe('just now');
  });
});
