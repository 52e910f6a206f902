import chalk from 'chalk';
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { JobRow, rowLayout } from '../src/ui/JobRow.js';
import { snapshot } from './helpers/snapshot.js';

/** The row 5 s after the job was created. */
const row = (job: ReturnType<typeof snapshot>, columns = 80) => {
  const { lastFrame, unmount } = render(
    <JobRow job={job} selected={false} layout={rowLayout(columns)} now={job.createdAt + 5000} />,
  );
  const text = lastFrame() ?? '';
  unmount();
  return text;
};

describe('a job row', () => {
  it('shows name, id suffix, state, age, bar, count, rate, ETA and the message within 80 columns', () => {
    const text = row(
      snapshot({
        id: 'j_mx4p0a1b2c3d4e5f',
        progress: { done: 12, total: 40, fraction: 0.3, rate: 3.1, eta: 9, message: 'resizing' },
      }),
    );
    // The percent gives way to the message at 80 (the bar shows it); from 100 there is room for both.
    expect(text).toMatch(/^ {2}demo\.sleep +4e5f running +5s +██░{6} 12\/40 items 3\.1\/s eta 9s — resi…$/);
    expect(text.length).toBeLessThanOrEqual(80);
  });

  it('leaves the percent out at 80 columns rather than cut the ETA (the bar shows it)', () => {
    const text = row(
      snapshot({
        items: { total: 450, succeeded: 123, failed: 0, cancelled: 0 },
        progress: { done: 123, total: 450, fraction: 0.273, rate: 5, eta: 63, message: null },
      }),
    );
    expect(text).toMatch(/running +5s +██░{6} 123\/450 items 5(\.0)?\/s eta 1m03s$/);
  });

  it('adds STARTED, TOOK and FAILED columns as the terminal widens', () => {
    const job = snapshot({
      state: 'partial',
      startedAt: 10_000,
      finishedAt: 75_000,
      createdAt: 9_000,
      items: { total: 12, succeeded: 8, failed: 4, cancelled: 0 },
      error: { message: '4 of 12 items failed; first: boom' },
    });
    const started = new Date(10_000).toLocaleTimeString();
    expect(row(job, 80)).not.toContain(started);
    expect(row(job, 80)).toContain('· 1m05s');
    expect(row(job, 100)).toContain(` ${started} `);
    expect(row(job, 100)).toContain('· 1m05s');
    // Wider (ink-testing-library's terminal is 100 wide, the tmux test draws them), TOOK at
    // 115 and FAILED at 125 take room of their own, and the text after the bar keeps the rest.
    expect(rowLayout(115)).toMatchObject({ started: 11, took: 6, failed: 0 });
    expect(rowLayout(125)).toMatchObject({ started: 11, took: 6, failed: 6 });
    for (const columns of [60, 80, 100, 115, 125, 140, 200]) {
      const layout = rowLayout(columns);
      const widths = [
        layout.name,
        layout.id,
        layout.state,
        layout.age,
        layout.started,
        layout.took,
        layout.failed,
      ];
      const used = 2 + [...widths, layout.bar, layout.rest].reduce((sum, w) => sum + (w > 0 ? w + 1 : 0), 0);
      expect(used).toBe(columns);
    }
    expect(rowLayout(80).rest).toBe(32);
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
      /cancelled +5s +██░{6} 10\/40 items, 30 cancelled · 5s/,
    );
    const failed = snapshot({
      state: 'failed',
      items: { total: 1, succeeded: 0, failed: 1, cancelled: 0 },
      error: { message: 'disk full' },
    });
    // Its bar is the share that succeeded: none, so empty, not full.
    expect(row(failed, 100)).toMatch(/failed\s+.* ░+ 0\/1 items, 1 failed — disk full/);
  });

  it('shows a partial job in amber, never green, its bar short of full though every item ran', () => {
    const partial = snapshot({
      state: 'partial',
      items: { total: 12, succeeded: 8, failed: 4, cancelled: 0 },
      progress: { done: 12, total: 12, fraction: 1, rate: null, eta: 0, message: null },
      error: { message: '4 of 12 items failed; first: boom' },
    });
    expect(row(partial, 100)).toMatch(/partial .* █{8}░{4} 8\/12 items, 4 failed — 4 of 12/);
    const previous = chalk.level;
    chalk.level = 1;
    try {
      const coloured = row(partial, 100);
      // Yellow (33) for its state and bar; green (32) nowhere.
      expect(coloured).toContain('\u001b[33mpartial');
      expect(coloured).toContain(`\u001b[33m${'█'.repeat(8)}${'░'.repeat(4)}`);
      expect(coloured).not.toContain('\u001b[32m');
    } finally {
      chalk.level = previous;
    }
  });

  it('spells "interrupted" out whole within 80 columns, and why it stopped from 100', () => {
    const interrupted = {
      state: 'interrupted',
      items: { total: 12, succeeded: 3, failed: 0, cancelled: 0 },
      startedAt: 1000,
      finishedAt: 3000,
      error: { message: 'the engine stopped' },
    } as const;
    const text = row(snapshot(interrupted));
    expect(text).toMatch(/^ {2}demo\.sleep +\w+ interrupted 5s +██░{6} 3\/12 items · 2s — the engine st…$/);
    expect(text.length).toBeLessThanOrEqual(80);
    expect(row(snapshot({ ...interrupted, id: 'j_x' }), 100)).toMatch(
      /interrupted .* 3\/12 items · 2s — the engine stopped$/,
    );
  });
});
