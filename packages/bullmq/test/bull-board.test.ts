// bull-board (BullMQ's own dashboard) mounted on a live deployment, read in
// Chromium as its users read it: the Threadline queues are listed, a running
// chunk shows its progress, a finished one its counts, and a failed chunk its
// items' reasons. What it shows comes from the backend's BullMQ jobs alone.
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { HonoAdapter } from '@bull-board/hono';
import { serve } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import { until } from '@threadline/testing';
import { Queue } from 'bullmq';
import { Hono } from 'hono';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployment, follow, onCleanup } from './helpers.js';

const SHOTS = fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url));

let browser: Browser;
beforeAll(async () => {
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
});
afterAll(() => browser?.close());

/** bull-board over the deployment's two queues, on its own HTTP server at /ui. */
async function mountBullBoard(items: Queue): Promise<string> {
  const { connection, prefix } = items.opts;
  const control = new Queue('control', { connection, ...(prefix ? { prefix } : {}) });
  onCleanup(() => control.close());
  const board = new HonoAdapter(serveStatic).setBasePath('/ui');
  createBullBoard({ queues: [new BullMQAdapter(items), new BullMQAdapter(control)], serverAdapter: board });
  const app = new Hono();
  app.route('/ui', board.registerPlugin());
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(started));
  });
  onCleanup(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/ui`;
}

describe('bull-board on a live deployment', () => {
  it("lists the Threadline queues, a running chunk's progress and a failed chunk's reasons", {
    timeout: 120_000,
  }, async () => {
    const { client, items } = await deployment();
    const ui = await mountBullBoard(items);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    onCleanup(() => page.close());

    // 12 items of 1.5 s on 2 threads, every 4th failing: long enough to watch one run.
    const job = await client.start('test.sleep', { items: 12, ms: 1500, failEvery: 4 });
    const finished = follow(client, job.id, undefined, 90_000);

    await page.goto(ui);
    await page.getByText('items', { exact: true }).first().waitFor({ timeout: 15_000 });
    await page.getByText('control', { exact: true }).first().waitFor();

    // A running chunk: its progress moves as its item sleeps (job.updateProgress on the tick).
    await page.goto(`${ui}/queue/items?status=active`);
    const progress = await until(
      async () => {
        const text = (await page.locator('main').textContent()) ?? '';
        const percent = /(\d+)\s*%/.exec(text);
        return percent && Number(percent[1]) > 0 && Number(percent[1]) < 100 && text;
      },
      'an active chunk with progress in bull-board',
      30_000,
    );
    expect(progress).toContain(job.id);

    await finished;
    // A failed chunk: failed in BullMQ's terms too, with its item's reason.
    await page.goto(`${ui}/queue/items?status=failed`);
    await page.getByText('item 4 failed').first().waitFor({ timeout: 15_000 });
    const failed = (await page.locator('main').textContent()) ?? '';
    expect(failed).toContain('item 8 failed');
    expect(failed).toContain('item 12 failed');
    // Each chunk is named for its Threadline job and the items it carries, not just "chunk".
    expect(failed).toContain('test.sleep · item 12');
    await page.screenshot({ path: `${SHOTS}bull-board.png`, fullPage: false });

    // A completed chunk's return value is its counts.
    await page.goto(`${ui}/queue/items?status=completed`);
    await page.getByText('succeeded').first().waitFor({ timeout: 15_000 });

    // What bull-board reads, from BullMQ itself: a failed chunk's trace is its reason, with no frame
    // of the worker's code or path of its machine; a chunk whose bar moved ends at 100, not short of it.
    const failedChunks = await items.getJobs(['failed']);
    expect(failedChunks.length).toBeGreaterThan(0);
    for (const chunk of failedChunks) {
      expect((chunk.stacktrace ?? []).join('\n')).not.toMatch(/\n\s+at |\/(work|tmp|home|usr)\//);
      expect(chunk.stacktrace?.at(-1)).toContain('items failed');
    }
    const completed = await items.getJobs(['completed']);
    const bars = [...completed, ...failedChunks].map((chunk) => chunk.progress);
    expect(bars.filter((p) => typeof p === 'number' && p > 0 && p < 100)).toEqual([]);
  });
});
