// The dashboard in Debian's Chromium, driven by playwright-core, against a real
// server and engine: what a user does and sees. Never downloads a browser.
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createEngine } from '@threadline/core';
import { builtinJobs } from '@threadline/jobs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from '../src/index.js';
import { openEngine, serve, tempDir } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../test-artifacts/', import.meta.url));
const PAGE_BUILT = existsSync(fileURLToPath(new URL('../dist/page/index.html', import.meta.url)));

let browser: Browser;
beforeAll(async () => {
  if (!PAGE_BUILT) throw new Error('the page is not built: run `npm run build -w @threadline/web` first');
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
});
afterAll(async () => {
  await browser?.close();
});

async function open(url: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  await page.goto(url);
  await page.getByTestId('connection').filter({ hasText: 'live' }).waitFor({ timeout: 10_000 });
  expect(problems).toEqual([]);
  return page;
}

/** The progress bar's value of the job's row, in percent. */
const barValue = async (page: Page, jobId: string) =>
  Number(await page.locator(`[data-job-id="${jobId}"] [role="progressbar"]`).getAttribute('aria-valuenow'));

describe('dashboard in Chromium', () => {
  it('fills a form, starts a job, watches the bar move, cancels it and sees it cancelled', async () => {
    const { server } = await serve();
    const page = await open(server.url);

    await page.getByRole('tab', { name: /demo\.sleep/ }).click();
    const form = page.getByTestId('form-demo.sleep');
    await form.locator('#root_items').fill('80');
    await form.locator('#root_ms').fill('150');
    await form.locator('#root_failEvery').fill('9');
    await form.getByRole('button', { name: 'Start' }).click();

    const row = page.locator('[data-testid="active-jobs"] [data-testid="job"]').first();
    await row.and(page.locator('[data-state="running"]')).waitFor({ timeout: 10_000 });
    const jobId = (await row.getAttribute('data-job-id'))!;

    // The bar moves: its value rises while we watch, pushed over SSE.
    await expect.poll(() => barValue(page, jobId), { timeout: 10_000 }).toBeGreaterThan(5);
    const seen = await barValue(page, jobId);
    await expect.poll(() => barValue(page, jobId), { timeout: 10_000 }).toBeGreaterThan(seen + 5);
    // Core's formatter, as in the terminal: "12/80 items".
    await expect.poll(() => row.getByTestId('count').textContent()).toMatch(/^\d+\/80 items$/);
    // Failed items show up in the details panel, which opened on start.
    await page
      .getByTestId('details')
      .getByText(/failed on purpose/)
      .first()
      .waitFor({ timeout: 10_000 });

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}dashboard-running.png`, fullPage: true });

    await row.getByRole('button', { name: 'Cancel' }).click();
    const cancelled = page.locator(
      `[data-testid="history-job"][data-job-id="${jobId}"][data-state="cancelled"]`,
    );
    await cancelled.waitFor({ timeout: 15_000 });
    await expect
      .poll(() => page.locator(`[data-testid="active-jobs"] [data-job-id="${jobId}"]`).count())
      .toBe(0);
    await page.screenshot({ path: `${ARTIFACTS}dashboard-cancelled.png`, fullPage: true });
    await page.close();
  });

  it('offers Force stop when a cancel takes long, and it stops the job at once', async () => {
    // A grace period far longer than the test: only Force can end this job in time.
    const engine = await openEngine(undefined, { graceMs: 600_000 });
    const { server } = await serve({ client: engine });
    const job = await engine.start('demo.sleep', { items: 2, ms: 600_000, cpu: true });
    const page = await open(server.url);
    const row = page.locator(`[data-testid="active-jobs"] [data-job-id="${job.id}"]`);
    await row.and(page.locator('[data-state="running"]')).waitFor({ timeout: 10_000 });
    expect(await row.getByRole('button', { name: 'Force stop' }).count()).toBe(0);

    await row.getByRole('button', { name: 'Cancel' }).click();
    await row.and(page.locator('[data-state="cancelling"]')).waitFor({ timeout: 10_000 });
    // The spinning items never look at their signal: the job stays cancelling until Force appears.
    await row.getByRole('button', { name: 'Force stop' }).click({ timeout: 10_000 });
    await page
      .locator(`[data-testid="history-job"][data-job-id="${job.id}"][data-state="cancelled"]`)
      .waitFor({ timeout: 10_000 });
    expect((await engine.get(job.id))?.state).toBe('cancelled');
    await page.close();
  });

  it('shows a refused path next to its field', async () => {
    const { server } = await serve({ allow: [tempDir()] });
    const page = await open(server.url);
    await page.getByRole('tab', { name: /files\.index/ }).click();
    const form = page.getByTestId('form-files.index');
    await form.locator('#root_root').fill('/etc');
    await form.getByRole('button', { name: 'Start' }).click();
    await form
      .getByRole('alert')
      .filter({ hasText: /outside the allowed folders/ })
      .waitFor({ timeout: 10_000 });
    await form
      .locator('.error-detail')
      .filter({ hasText: /\/etc is outside/ })
      .waitFor();
    await page.close();
  });

  it('pages through a history of thousands of jobs, and keeps up with a burst of new ones', async () => {
    const { server, engine } = await serve();
    const seeded: Promise<unknown>[] = [];
    for (let i = 0; i < 2000; i++) {
      const job = await engine.start('demo.sleep', { items: 1, ms: 0 });
      seeded.push(engine.waitFor(job.id));
    }
    await Promise.all(seeded);

    const page = await open(server.url);
    const rows = page.getByTestId('history-job');
    await expect.poll(() => rows.count()).toBe(50);
    await page.getByRole('button', { name: 'Load older jobs' }).click();
    await expect.poll(() => rows.count()).toBe(100);

    // 200 jobs start and finish while the page watches: each arrives by the stream.
    const burst: string[] = [];
    for (let i = 0; i < 200; i++) burst.push((await engine.start('demo.sleep', { items: 1, ms: 0 })).id);
    await Promise.all(burst.map((id) => engine.waitFor(id)));
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(300);
    await expect
      .poll(() =>
        page.locator(`[data-testid="history-job"][data-job-id="${burst.at(-1)}"]`).getAttribute('data-state'),
      )
      .toBe('succeeded');
    await page.close();
  });

  it('recovers by itself after the server restarts', async () => {
    const dataDir = tempDir();
    const engine = await createEngine({ dataDir, registry: builtinJobs, poolSize: 2 });
    let server = await createServer({ client: engine, port: 0, pingMs: 1000 });
    const port = server.port;
    const page = await open(server.url);

    await server.close();
    await engine.close();
    await page.getByTestId('connection').filter({ hasText: 'reconnecting' }).waitFor({ timeout: 10_000 });

    const again = await createEngine({ dataDir, registry: builtinJobs, poolSize: 2 });
    try {
      server = await createServer({ client: again, port, pingMs: 1000 });
      await page.getByTestId('connection').filter({ hasText: 'live' }).waitFor({ timeout: 20_000 });
      // Events after the restart reach the page without a reload.
      const job = await again.start('demo.sleep', { items: 2, ms: 10 });
      await page
        .locator(`[data-testid="history-job"][data-job-id="${job.id}"][data-state="succeeded"]`)
        .waitFor({ timeout: 10_000 });
    } finally {
      await page.close();
      await server.close();
      await again.close();
    }
  });
});
