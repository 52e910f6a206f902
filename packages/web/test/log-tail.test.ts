// A job's log tail in Chromium: the level filter shows a level's lines and the
// more severe ones, with counts, and keeps following the stream.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { chromiumPages } from './chromium.js';
import { openEngine, pageUrl, serve } from './helpers.js';

const { open } = chromiumPages();
const SHOTS = fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url));
const registry = { 'test.logs': new URL('./fixtures/logs.ts', import.meta.url).href };

describe('the log tail', () => {
  it('filters by level, counting each threshold', async () => {
    const engine = await openEngine(undefined, { registry });
    const { server } = await serve({ client: engine });
    const job = await engine.start('test.logs', { items: 15 });
    expect((await engine.waitFor(job.id)).state).toBe('succeeded');
    const page = await open(pageUrl(server), { width: 1280, height: 800 });
    await page.goto(pageUrl(server, `/jobs/${job.id}`));
    const details = page.getByTestId('details');
    const lines = details.getByTestId('logs').locator('li');
    // 15 items: 15 debug, 15 info, 5 warnings (3, 6, …), 3 errors (5, 10, 15).
    await expect.poll(() => lines.count(), { timeout: 15_000 }).toBe(38);
    const count = (level: string) =>
      details.getByTestId(`log-level-${level}`).locator('.tab-count').textContent();
    expect(await count('debug')).toBe('38');
    expect(await count('info')).toBe('23');
    expect(await count('warn')).toBe('8');
    expect(await count('error')).toBe('3');

    await details.getByTestId('log-level-warn').click();
    await expect.poll(() => lines.count()).toBe(8);
    const levels = await lines.locator('.level').allTextContents();
    expect(new Set(levels)).toEqual(new Set(['warn', 'error']));
    mkdirSync(SHOTS, { recursive: true });
    await details
      .getByTestId('logs')
      .locator('..')
      .screenshot({ path: `${SHOTS}details-log-desktop.png` });
    await details.getByTestId('log-level-error').click();
    await expect.poll(() => lines.locator('.level').allTextContents()).toEqual(['error', 'error', 'error']);
    expect(await lines.first().textContent()).toContain('item 5: checksum mismatch, kept the old copy');
    await details.getByTestId('log-level-debug').click();
    await expect.poll(() => lines.count()).toBe(38);
    await page.close();
  }, 60_000);
});
