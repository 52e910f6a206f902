import chalk from 'chalk';
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { JobRow, rowLayout } from '../src/ui/JobRow.js';
import { snapshot } from './helpers/snapshot.js';

const row = (job: ReturnType<typeof snapshot>, columns = 80) => {
  const { lastFrame, unmount } = render(<JobRow job={job} selected={false} layout={rowLayout(columns)} />);
  const text = lastFrame() ?? '';
  unmount();
  return text;
};

describe('a job row', () => {
  it('shows name, state, bar, count, percent, rate and ETA within 80 columns', () => {
    const text = row(
      snapshot({
        progress: { done: 12, total: 40, fraction: 0.3, rate: 3.1, eta: 9, message: 'resizing' },
      }),
    );
    expect(text).toMatch(/^ {2}demo\.sleep\s+running\s+████░{8} 12\/40 items \(30\.0%\) 3\.1\/s eta 9s/);
    expect(text.length).toBeLessThanOrEqual(80);
  });

  it('cuts a long message to the width instead of wrapping', () => {
    const text = row(
      snapshot({ progress: { done: 1, total: 2, fraction: 0.5, rate: 1, eta: 1, message: 'x'.repeat(200) } }),
    );
    expect(text.split('\n')).toHaveLength(1);
    expect(text.endsWith('…')).toBe(true);
    expect(text.length).toBe(79);
  });

  it('shows a finished job’s outcome: what ran, what was cancelled, its error', () => {
    const items = { total: 40, succeeded: 10, failed: 0, cancelled: 30 };
    expect(row(snapshot({ state: 'cancelled', items, startedAt: 1000, finishedAt: 6000 }))).toMatch(
      /cancelled\s+███░{9} 10\/40 items, 30 cancelled · 5s/,
    );
    const failed = snapshot({
      state: 'failed',
      items: { total: 1, succeeded: 0, failed: 1, cancelled: 0 },
      error: { message: 'disk full' },
    });
    // Its bar is the share that succeeded: none, so empty, not full.
    expect(row(failed, 120)).toMatch(/failed\s+░+ 0\/1 items, 1 failed — disk full/);
  });

  it('shows a partial job in amber, never green, its bar short of full though every item ran', () => {
    const partial = snapshot({
      state: 'partial',
      items: { total: 12, succeeded: 8, failed: 4, cancelled: 0 },
      progress: { done: 12, total: 12, fraction: 1, rate: null, eta: 0, message: null },
      error: { message: '4 of 12 items failed; first: boom' },
    });
    expect(row(partial, 100)).toMatch(/partial\s+█{16}░{8} 8\/12 items, 4 failed — 4 of 12/);
    const previous = chalk.level;
    chalk.level = 1;
    try {
      const coloured = row(partial, 100);
      // Yellow (33) for its state and bar; green (32) nowhere.
      expect(coloured).toContain('\u001b[33mpartial');
      expect(coloured).toContain(`\u001b[33m${'█'.repeat(16)}${'░'.repeat(8)}`);
      expect(coloured).not.toContain('\u001b[32m');
    } finally {
      chalk.level = previous;
    }
  });

  it('spells "interrupted" out whole within 80 columns, with why it stopped', () => {
    const text = row(
      snapshot({
        state: 'interrupted',
        items: { total: 12, succeeded: 3, failed: 0, cancelled: 0 },
        startedAt: 1000,
        finishedAt: 3000,
        error: { message: 'the engine stopped' },
      }),
    );
    expect(text).toMatch(/^ {2}demo\.sleep\s+interrupted ███░{9} 3\/12 items · 2s — the engine stopped$/);
    expect(text.length).toBeLessThanOrEqual(80);
  });
});
