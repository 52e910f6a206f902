// The workers, on /metrics and in the page's Workers panel: each engine thread
// with the item it runs (or idle) and the items it ran, live while a job runs,
// read at most once a second, and usable on a phone.
import { fileURLToPath } from 'node:url';
import { until } from '@threadline/testing';
import { describe, expect, it } from 'vitest';
import { chromiumPages, PHONE } from './chromium.js';
import { authFor, serve } from './helpers.js';

const { open } = chromiumPages();
const SHOTS = fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url));
const DESKTOP = { width: 1280, height: 800 };

async function metrics(base: string): Promise<string> {
  const reply = await fetch(`${base}/metrics`, { headers: authFor(base) });
  expect(reply.status).toBe(200);
  return reply.text();
}

describe('workers', () => {
  it('/metrics counts the workers, which is busy, and the items each ran', async () => {
    const { base, engine } = await serve();
    const idle = await metrics(base);
    expect(idle).toMatch(/^# TYPE threadline_workers gauge$/m);
    expect(idle).toMatch(/^threadline_workers 2$/m);
    expect(idle).toMatch(/^threadline_worker_threads\{worker="thread-1",host="[^"]+"\} 1$/m);
    expect(idle).toMatch(/^threadline_worker_busy\{worker="thread-2",host="[^"]+"\} 0$/m);
    // In-process nothing waits in a queue of chunks.
    expect(idle).not.toMatch(/threadline_queue_chunks/);

    const long = await engine.start('demo.sleep', { items: 1, ms: 60_000 });
    const busy = await until(
      async () => {
        const text = await metrics(base);
        return /^threadline_worker_busy\{worker="thread-\d",host="[^"]+"\} 1$/m.test(text) && text;
      },
      'a thread busy on /metrics',
      20_000,
    );
    expect(busy.match(/^threadline_worker_busy\{.*\} 1$/gm)).toHaveLength(1);
    await engine.cancel(long.id, { force: true });
    await engine.waitFor(long.id);
    await engine.waitFor((await engine.start('demo.sleep', { items: 4, ms: 1 })).id);
    const done = await metrics(base);
    const ran = [...done.matchAll(/^threadline_worker_items_total\{.*\} (\d+)$/gm)].map((m) => Number(m[1]));
    expect(ran.reduce((a, b) => a + b, 0)).toBe(4);
  });

  it('the Workers panel shows each thread with its item, live, idle again at the end; at 390 px too', {
    timeout: 60_000,
  }, async () => {
    const { engine, server } = await serve();
    const page = await open(server.url, DESKTOP);
    const reads: number[] = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname.includes('workers.list')) reads.push(Date.now());
    });
    const panel = page.getByTestId('workers-panel');
    await panel.waitFor();
    expect(await page.getByTestId('worker').count()).toBe(2);
    expect(await page.getByTestId('worker-idle').count()).toBe(2);
    expect(await page.getByTestId('workers-summary').textContent()).toBe('0 of 2 busy');

    // Two threads, each on one slow item at a time: a row per thread says which item of which job.
    const job = await engine.start('demo.sleep', { items: 40, ms: 250 });
    const startedAt = Date.now();
    await page.getByTestId('workers-summary').filter({ hasText: '2 of 2 busy' }).waitFor({ timeout: 15_000 });
    const running = page.getByTestId('worker-running');
    expect(await running.count()).toBe(2);
    for (const text of await running.allTextContents())
      expect(text).toMatch(new RegExp(`^demo\\.sleep · item \\d+ .*· ${job.id}$`));
    const first = await running.first().textContent();
    // The item moves on without a reload: the panel is read again on the job's events.
    await until(async () => (await running.first().textContent()) !== first, 'the next item', 15_000);
    await page.screenshot({ path: `${SHOTS}workers-desktop.png` });

    await engine.waitFor(job.id);
    const endedAt = Date.now();
    await page.getByTestId('workers-summary').filter({ hasText: '0 of 2 busy' }).waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('worker-idle').count()).toBe(2);
    // Throttled: at most one read a second while the job ran (and one at the start and the end).
    const during = reads.filter((at) => at >= startedAt && at <= endedAt).length;
    expect(during).toBeLessThanOrEqual(Math.ceil((endedAt - startedAt) / 1000) + 2);

    // A phone: the panel fits the width, nothing scrolls sideways.
    const phone = await open(server.url, PHONE);
    const long = await engine.start('demo.sleep', { items: 2, ms: 60_000 });
    await phone.getByTestId('worker-running').first().waitFor({ timeout: 15_000 });
    // A string, evaluated in the page: the tests' types know no DOM.
    const widths = (await phone.evaluate(`({
      page: document.documentElement.scrollWidth,
      panel: document.querySelector('[data-testid="workers-panel"]').getBoundingClientRect().right,
    })`)) as { page: number; panel: number };
    expect(widths.page).toBeLessThanOrEqual(390);
    expect(widths.panel).toBeLessThanOrEqual(390);
    await phone.getByTestId('workers-panel').screenshot({ path: '/tmp/shots/workers-phone.png' });
    await engine.cancel(long.id, { force: true });
    await page.close();
    await phone.close();
  });
});
