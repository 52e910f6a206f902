// A job's timeline and items table in Chromium, on a laptop and on a phone:
// 120 photos on 2 threads, one of them a straggler that holds its thread for
// a minute while the other does the rest, every 25th failing. The timeline shows a
// lane per thread, the table pages and filters, and while the straggler runs
// the open panel sends no request (its one stream pushes everything).
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { builtinJobs } from '@threadline/jobs';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { chromiumPages, PHONE } from './chromium.js';
import { openEngine, pageUrl, serve } from './helpers.js';

const { open } = chromiumPages();
const SHOTS = fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url));
const LAPTOP = { width: 1280, height: 800 };
const registry = {
  ...builtinJobs,
  'test.straggler': new URL('./fixtures/straggler.ts', import.meta.url).href,
};

/** Requests the details panel makes (its reads and its event streams), counted as they start. */
function panelRequests(page: Page, jobId: string): { urls: string[]; lastAt: () => number } {
  const urls: string[] = [];
  let last = Date.now();
  page.on('request', (request) => {
    const url = decodeURIComponent(request.url());
    const panel = /\/trpc\/jobs\.(details|items|timeline)/.test(url);
    if (panel || (url.includes('/trpc/jobs.events') && url.includes(jobId))) {
      urls.push(url);
      last = Date.now();
    }
  });
  return { urls, lastAt: () => last };
}

const rows = (page: Page) => page.getByTestId('items-table').getByTestId('item-row');
const firstNumbers = async (page: Page) =>
  (await rows(page).locator('td:first-child').allTextContents()).map((text) =>
    Number(text.replace(/,/g, '')),
  );

describe('timeline and items in Chromium', () => {
  for (const [name, viewport] of [
    ['desktop', LAPTOP],
    ['phone', PHONE],
  ] as const) {
    it(`shows a lane per thread with the straggler, pages and filters the items, and only listens meanwhile (${name})`, async () => {
      const engine = await openEngine(undefined, { registry });
      const { server } = await serve({ client: engine });
      const job = await engine.start('test.straggler', { photos: 120, slowMs: 60_000 });
      const page = await open(pageUrl(server), viewport);
      const requests = panelRequests(page, job.id);
      await page.goto(pageUrl(server, `/jobs/${job.id}`));
      const details = page.getByTestId('details');
      const lanes = details.getByTestId('timeline-lane');
      await expect.poll(() => lanes.count(), { timeout: 15_000 }).toBe(2);

      // Everything but the straggler done: the other thread ran all 119, the straggler runs alone.
      await expect
        .poll(async () => (await engine.get(job.id))!.items, { timeout: 30_000 })
        .toMatchObject({ succeeded: 115, failed: 4 });
      const running = details.locator('rect.span.running');
      await expect.poll(() => running.count(), { timeout: 10_000 }).toBe(1);
      expect(await running.getAttribute('data-first')).toBe('40');
      expect(await running.getAttribute('class')).toMatch(/\bstraggler\b/);
      const ranElsewhere = async () => {
        const lane = lanes.filter({ hasNot: page.locator('rect.span.running') });
        const spans = await lane.locator('rect.span').all();
        const counts = await Promise.all(spans.map((span) => span.getAttribute('data-items')));
        return counts.reduce((sum, n) => sum + Number(n), 0);
      };
      await expect.poll(ranElsewhere, { timeout: 10_000 }).toBeGreaterThan(90);

      // The panel's reads caught up; now, with nothing finishing, five seconds without a request.
      await expect.poll(() => Date.now() - requests.lastAt(), { timeout: 10_000 }).toBeGreaterThan(1500);
      const before = requests.urls.length;
      const windowEnds = Date.now() + 5000;
      await expect.poll(() => Date.now() >= windowEnds, { timeout: 10_000, interval: 250 }).toBe(true);
      expect(requests.urls.slice(before)).toEqual([]);
      // One stream for the whole panel (the chart's own is gone): this job's events, asked for once.
      const streams = requests.urls.filter((url) => url.includes('jobs.events'));
      expect(streams).toHaveLength(1);

      // The items: 25 a page, numbered from 1; the failed ones with why.
      const table = details.getByTestId('items');
      await expect.poll(() => firstNumbers(page)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
      await table.getByTestId('items-next').click();
      await expect.poll(() => firstNumbers(page)).toEqual(Array.from({ length: 25 }, (_, i) => i + 26));
      const straggler = rows(page).and(page.locator('[data-index="40"]'));
      expect(await straggler.locator('.item-status').textContent()).toBe('running');
      await table.getByRole('button', { name: 'Previous' }).click();
      await expect.poll(async () => (await firstNumbers(page))[0]).toBe(1);

      await table.getByTestId('items-tab-failed').click();
      await expect.poll(() => firstNumbers(page)).toEqual([25, 50, 75, 100]);
      expect(await rows(page).first().locator('.item-error').textContent()).toBe(
        'DCIM/IMG_4025.JPG: no EXIF block (the file ends at byte 4096)',
      );
      expect(await rows(page).first().locator('td.thread').textContent()).toMatch(/^thread [12]$/);

      await table.getByLabel('Go to item number').fill('60');
      await table.getByRole('button', { name: 'Go' }).click();
      await expect.poll(() => firstNumbers(page)).toEqual([75, 100]);
      await table.getByTestId('items-tab-all').click();
      await expect.poll(async () => (await firstNumbers(page))[0]).toBe(1);

      const sideways = Number(await page.evaluate('document.documentElement.scrollWidth'));
      expect(sideways).toBeLessThanOrEqual(viewport.width);
      mkdirSync(SHOTS, { recursive: true });
      if (name === 'desktop') {
        await details.getByTestId('timeline').screenshot({ path: `${SHOTS}details-timeline-desktop.png` });
      } else {
        await table.getByTestId('items-tab-failed').click();
        await expect.poll(() => rows(page).count()).toBe(4);
        await table.screenshot({ path: `${SHOTS}details-items-phone.png` });
      }

      // Cancelled, the straggler's span turns from running to cancelled, told by the stream.
      await engine.cancel(job.id);
      expect((await engine.waitFor(job.id)).state).toBe('cancelled');
      await expect.poll(() => running.count(), { timeout: 10_000 }).toBe(0);
      await expect.poll(() => details.locator('rect.span.off').count(), { timeout: 10_000 }).toBe(1);
      await page.close();
    }, 150_000);
  }
});
