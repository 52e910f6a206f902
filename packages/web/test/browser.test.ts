// The dashboard in Debian's Chromium, driven by playwright-core, against a real
// server and engine: what a user does and sees. Never downloads a browser.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEngine } from '@threadline/core';
import { builtinJobs } from '@threadline/jobs';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { createServer } from '../src/index.js';
import { ARTIFACTS, chromiumPages, PHONE } from './chromium.js';
import { openEngine, pageUrl, serve, tempDir } from './helpers.js';

const { open } = chromiumPages();

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
    // Core's formatter, as in the terminal: "12/80 items", the failed ones apart ("12/80 items, 1 failed").
    await expect.poll(() => row.getByTestId('count').textContent()).toMatch(/^\d+\/80 items(, \d+ failed)?$/);
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
      // As serve does: the data directory's token again, so the page's cookie still holds.
      server = await createServer({ client: again, port, pingMs: 1000, token: server.token! });
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

  it('gives each job a URL: clicking opens /jobs/<id>, back and forward move between jobs, a link opens it', async () => {
    const { server, engine } = await serve();
    const a = await engine.start('demo.sleep', { items: 1, ms: 0 });
    const b = await engine.start('demo.sleep', { items: 2, ms: 0 });
    await Promise.all([engine.waitFor(a.id), engine.waitFor(b.id)]);
    const page = await open(server.url);
    const details = page.getByTestId('details');
    const path = () => new URL(page.url()).pathname;

    await page.locator(`[data-testid="history-job"][data-job-id="${a.id}"] button.link`).click();
    await details.and(page.locator(`[data-job-id="${a.id}"]`)).waitFor();
    expect(path()).toBe(`/jobs/${a.id}`);
    await page.locator(`[data-testid="history-job"][data-job-id="${b.id}"] button.link`).click();
    await details.and(page.locator(`[data-job-id="${b.id}"]`)).waitFor();
    expect(path()).toBe(`/jobs/${b.id}`);

    await page.goBack();
    await details.and(page.locator(`[data-job-id="${a.id}"]`)).waitFor();
    await page.goForward();
    await details.and(page.locator(`[data-job-id="${b.id}"]`)).waitFor();
    await page.goBack();
    await page.goBack();
    expect(path()).toBe('/');
    await expect.poll(() => details.count()).toBe(0);

    // A link to a job, pasted into a new tab: its details open, with what the server says of it.
    const linked = await open(pageUrl(server, `/jobs/${a.id}`));
    await linked
      .getByTestId('details')
      .and(linked.locator(`[data-job-id="${a.id}"]`))
      .getByText('1 succeeded')
      .waitFor();
    await linked.close();
    await page.close();
  });

  it('filters jobs by state (with counts) and by text over id and input', async () => {
    const { server, engine } = await serve();
    for (let i = 0; i < 3; i++)
      await engine.waitFor((await engine.start('demo.sleep', { items: 1, ms: 0 })).id);
    const cancelled: string[] = [];
    for (let i = 0; i < 2; i++) {
      const job = await engine.start('demo.sleep', { items: 2, ms: 60_000 + i });
      await engine.cancel(job.id);
      await engine.waitFor(job.id);
      cancelled.push(job.id);
    }
    const page = await open(server.url);
    const rows = page.getByTestId('history-job');
    await expect.poll(() => rows.count()).toBe(5);
    await expect.poll(() => page.getByTestId('tab-cancelled').textContent()).toMatch(/cancelled 2\b/);
    await expect.poll(() => page.getByTestId('tab-succeeded').textContent()).toMatch(/succeeded 3\b/);

    await page.getByTestId('tab-cancelled').click();
    await expect.poll(() => rows.count()).toBe(2);
    expect(await Promise.all((await rows.all()).map((tr) => tr.getAttribute('data-state')))).toEqual([
      'cancelled',
      'cancelled',
    ]);
    // Text matches the input too: only one of the two slept 60001 ms.
    // The server answers each search: the rows are the last answer's until the next comes.
    const ids = async () => Promise.all((await rows.all()).map((tr) => tr.getAttribute('data-job-id')));
    await page.getByTestId('filter-text').fill('60001');
    await expect.poll(ids).toEqual([cancelled[1]]);
    await page.getByTestId('filter-text').fill(cancelled[0]!);
    await expect.poll(ids).toEqual([cancelled[0]]);
    await page.getByTestId('filter-text').fill('');
    await page.getByTestId('tab-all').click();
    await expect.poll(() => rows.count()).toBe(5);
    await page.close();
  });

  it('runs a job again from the form, its input filled in and editable', async () => {
    const { server, engine } = await serve();
    const first = await engine.start('demo.sleep', { items: 3, ms: 7, failEvery: 0 });
    await engine.waitFor(first.id);
    const page = await open(server.url);
    // Another job's form first: run again must switch to the job's own.
    await page.getByRole('tab', { name: /files\.index/ }).click();
    await page
      .locator(`[data-testid="history-job"][data-job-id="${first.id}"]`)
      .getByRole('button', { name: 'Run again' })
      .click();
    const form = page.getByTestId('form-demo.sleep');
    await expect.poll(() => form.locator('#root_items').inputValue()).toBe('3');
    expect(await form.locator('#root_ms').inputValue()).toBe('7');
    await form.locator('#root_items').fill('4');
    await form.getByRole('button', { name: 'Start' }).click();
    await form.getByText(/^Started /).waitFor({ timeout: 10_000 });
    const again = (await engine.list({ name: 'demo.sleep' })).find((job) => job.id !== first.id);
    expect(again?.input).toMatchObject({ items: 4, ms: 7, failEvery: 0 });
    await page.close();
  });

  it('labels fields from their descriptions, adds and removes list entries, and starts model.train from its defaults', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'data.csv'), 'x,y\n1,2\n2,4\n3,6\n');
    const { server, engine } = await serve({ allow: [dir] });
    const page = await open(server.url);
    await page.getByTestId('form-demo.sleep').getByText('Number of items', { exact: true }).waitFor();

    await page.getByRole('tab', { name: /feeds\.fetch/ }).click();
    const feeds = page.getByTestId('form-feeds.fetch');
    const entries = feeds.locator('input[id^="root_feeds_"]');
    await expect.poll(() => entries.count()).toBe(1);
    await feeds.getByRole('button', { name: '+ Add' }).click();
    await expect.poll(() => entries.count()).toBe(2);
    await entries.first().fill('not a url');
    await feeds.getByRole('button', { name: 'Start' }).click();
    await feeds.locator('.error-detail').filter({ hasText: 'must be a valid URL' }).waitFor();
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.locator('.panel.start').screenshot({ path: `${ARTIFACTS}form-feeds.png` });
    await feeds.getByRole('button', { name: 'Remove' }).first().click();
    await expect.poll(() => entries.count()).toBe(1);

    // Typed values survive a visit to another job's form.
    await page.getByRole('tab', { name: /model\.train/ }).click();
    const train = page.getByTestId('form-model.train');
    await train.locator('#root_data').fill(join(dir, 'data.csv'));
    await page.getByRole('tab', { name: /demo\.sleep/ }).click();
    await page.getByRole('tab', { name: /model\.train/ }).click();
    expect(await train.locator('#root_data').inputValue()).toBe(join(dir, 'data.csv'));
    // No blank feature was put in for its minItems: the defaults start as they are.
    expect(await train.locator('input[id^="root_features_"]').count()).toBe(0);
    await page.locator('.panel.start').screenshot({ path: `${ARTIFACTS}form-model-train.png` });
    await train.getByRole('button', { name: 'Start' }).click();
    await train.getByText(/^Started /).waitFor({ timeout: 10_000 });
    const [job] = await engine.list({ name: 'model.train' });
    expect(job?.input).toMatchObject({ data: join(dir, 'data.csv'), epochs: 2000 });
    await engine.cancel(job!.id);
    await page.close();
  });

  it('says the server is away: a disconnected banner, live rows greyed without an ETA, actions disabled', async () => {
    const engine = await openEngine();
    const server = await createServer({ client: engine, port: 0, pingMs: 1000 });
    const job = await engine.start('demo.sleep', { items: 400, ms: 100 });
    const page = await open(server.url);
    const row = page.locator(`[data-testid="active-jobs"] [data-job-id="${job.id}"]`);
    await row.getByText(/ETA/).waitFor({ timeout: 10_000 });

    await server.close();
    await page.getByTestId('disconnected').waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('disconnected').textContent()).toMatch(/Disconnected — reconnecting/);
    await expect.poll(() => row.getAttribute('class')).toMatch(/\bstale\b/);
    expect(await row.getByText(/ETA/).count()).toBe(0);
    expect(await row.getByTestId('state').textContent()).toBe('unknown');
    expect(await row.getByRole('button', { name: 'Cancel' }).isDisabled()).toBe(true);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}dashboard-disconnected.png`, fullPage: true });
    await page.close();
  });

  it('fits a phone: no sideways scroll, running jobs before the form, details open on screen', async () => {
    const { server, engine } = await serve();
    const done = await engine.start('demo.sleep', { items: 3, ms: 0, failEvery: 2 });
    await engine.waitFor(done.id);
    const running = await engine.start('demo.sleep', { items: 400, ms: 100 });
    const page = await open(server.url, PHONE);
    const row = page.locator(`[data-testid="active-jobs"] [data-job-id="${running.id}"]`);
    await row.waitFor();
    const noSideways = async () => Number(await page.evaluate('document.documentElement.scrollWidth'));
    expect(await noSideways()).toBeLessThanOrEqual(390);
    const top = async (selector: string) => (await page.locator(selector).boundingBox())!.y;
    expect(await top('.panel.running')).toBeLessThan(await top('.panel.start'));
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}phone-running.png`, fullPage: true });

    // The finished job is far below, past the form: opening it brings its details on screen.
    await page.locator(`[data-testid="history-job"][data-job-id="${done.id}"] button.link`).click();
    const details = page.getByTestId('details');
    await details.getByText(/^1 failed$/).waitFor();
    await expect
      .poll(async () => {
        const box = (await details.boundingBox())!;
        return box.y >= 0 && box.y < 844;
      })
      .toBe(true);
    expect(await noSideways()).toBeLessThanOrEqual(390);
    await page.screenshot({ path: `${ARTIFACTS}phone-details.png` });
    await engine.cancel(running.id);
    await page.close();
  });
});
