// The throughput chart of a job's details in Chromium: items per second over
// the run, drawn from the job's own events while it runs, and whole once it
// has finished, on a laptop and on a phone.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { chromiumPages, PHONE } from './chromium.js';
import { serve } from './helpers.js';

const { open } = chromiumPages();
const SHOTS = fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url));
const LAPTOP = { width: 1280, height: 800 };

const chartOf = (page: Page) => page.getByTestId('details').getByTestId('throughput').locator('svg');
const total = async (page: Page) => Number((await chartOf(page).getAttribute('data-total')) ?? 0);

describe('throughput chart in Chromium', () => {
  for (const [name, viewport] of [
    ['desktop', LAPTOP],
    ['phone', PHONE],
  ] as const) {
    it(`draws items per second live while a job runs, and its whole run once finished (${name})`, async () => {
      const { server, engine } = await serve();
      const page = await open(server.url, viewport);
      // 40 items of 150 ms on 2 threads: about 3 s, every 8th failing.
      const job = await engine.start('demo.sleep', { items: 40, ms: 150, failEvery: 8 });
      await page.goto(`${server.origin}/jobs/${job.id}`);
      await chartOf(page).waitFor({ timeout: 10_000 });
      await expect.poll(() => total(page), { timeout: 10_000 }).toBeGreaterThan(0);
      const seenLive = await total(page);
      expect(seenLive).toBeLessThan(40);

      expect((await engine.waitFor(job.id)).state).toBe('partial');
      await expect.poll(() => total(page), { timeout: 10_000 }).toBe(40);
      const label = (await chartOf(page).getAttribute('aria-label'))!;
      expect(label).toMatch(/^40 items over \d+ s, at most [\d.]+\/s$/);
      // The failed items are in the chart too, stacked on the succeeded ones.
      expect(await chartOf(page).locator('rect.bad[height]:not([height="0"])').count()).toBeGreaterThan(0);
      if (name === 'phone') {
        expect(Number(await page.evaluate('document.documentElement.scrollWidth'))).toBeLessThanOrEqual(
          PHONE.width,
        );
      }
      mkdirSync(SHOTS, { recursive: true });
      await page.getByTestId('details').screenshot({ path: `${SHOTS}details-throughput-${name}.png` });

      // A finished job opened later: the whole run, from the store.
      const again = await open(`${server.origin}/jobs/${job.id}?token=${server.token ?? ''}`, viewport);
      await expect.poll(() => total(again), { timeout: 10_000 }).toBe(40);
      await again.close();
      await page.close();
    });
  }
});
