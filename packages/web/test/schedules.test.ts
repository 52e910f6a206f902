// Schedules in Chromium: a job started with `every` (over HTTP, as `threadline
// run --server --every` does) is listed with its period, when its next run is
// due (with that run, waiting) and how its last finished run ended and when;
// Pause drops the waiting run, Resume queues one, and Remove asks first. The list is read again on its runs' events, not on a timer.
import { mkdirSync } from 'node:fs';
import { createTrpcClient } from '@threadline/trpc';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { chromiumPages, PHONE } from './chromium.js';
import { onCleanup, serve, tokenOf } from './helpers.js';

const { open } = chromiumPages();

const SHOTS = '/tmp/shots/';
const LAPTOP = { width: 1280, height: 800 };

const rowOf = (page: Page, id: string) => page.locator(`[data-testid="schedule"][data-schedule-id="${id}"]`);
const path = (page: Page) => new URL(page.url()).pathname;

async function apiOf(base: string) {
  const api = createTrpcClient(`${base}/trpc`, { token: tokenOf(base)! });
  onCleanup(() => api.close());
  return api;
}

describe('schedules in Chromium', () => {
  it('lists a schedule with its next run; Pause drops the waiting run, Resume queues one, Remove asks first', async () => {
    const { engine, server, base } = await serve();
    const api = await apiOf(base);
    const page = await open(server.url, LAPTOP);
    mkdirSync(SHOTS, { recursive: true });

    const first = await api.start('demo.sleep', { items: 2, ms: 20 }, { every: '45s' });
    const scheduleId = first.scheduleId!;
    await engine.waitFor(first.id);
    // The first run ended and the next waits: the row links that one by its next run's time,
    // and says how the first ended.
    const [schedule] = await api.schedules();
    const waiting = schedule!.lastJobId!;
    expect(waiting).not.toBe(first.id);
    expect(schedule!.lastFinished).toMatchObject({ jobId: first.id, state: 'succeeded' });
    const row = rowOf(page, scheduleId);
    const latest = row.getByTestId('latest-run');
    await latest.getByRole('link', { name: waiting }).waitFor({ timeout: 10_000 });
    await latest.locator('.state', { hasText: 'queued' }).waitFor();
    const last = row.getByTestId('last-run');
    expect(await last.locator('.state').textContent()).toBe('succeeded');
    expect(await last.locator('.state').getAttribute('class')).toBe('state state-succeeded');
    expect(await last.textContent()).toMatch(new RegExp(`^succeeded· (just now|\\d+s ago)${first.id}$`));
    expect(await last.locator('time').getAttribute('title')).toBe(
      await page.evaluate((ms) => new Date(ms).toLocaleString(), schedule!.lastFinished!.finishedAt),
    );
    expect(await last.getByRole('link').getAttribute('href')).toBe(`/jobs/${first.id}`);
    expect(await page.getByTestId('schedules').locator('th').nth(3).textContent()).toBe('Last run');
    expect(await row.locator('td').first().textContent()).toBe('Sleep (demo)demo.sleep');
    expect(await row.getByTestId('every').textContent()).toBe('every 45s');
    const next = row.getByTestId('next-run');
    expect(await next.textContent()).toMatch(/^in (4\d|3\d)s$/);
    // The time itself on hover.
    expect(await next.locator('time').getAttribute('title')).toBe(
      await page.evaluate((ms) => new Date(ms).toLocaleString(), schedule!.nextRunAt!),
    );
    // In the running list, the waiting run says when it is due, not a bar that moves.
    const queuedRow = page.locator(`[data-testid="job"][data-job-id="${waiting}"]`);
    expect(await queuedRow.getByTestId('due').textContent()).toBe(
      `due at ${await page.evaluate((ms) => new Date(ms).toLocaleTimeString(), schedule!.nextRunAt!)}`,
    );
    expect(await queuedRow.locator('.bar.indeterminate').count()).toBe(0);
    await page.screenshot({ path: `${SHOTS}schedules-desktop.png` });

    // Pause: the waiting run is dropped, recorded cancelled, and no next run is due.
    await row.getByRole('button', { name: 'Pause' }).click();
    await next.filter({ hasText: /^paused$/ }).waitFor();
    // The dropped run never ran: it is not linked as the next, and the last run is still the first.
    await latest.waitFor({ state: 'detached' });
    expect((await engine.get(waiting))!.state).toBe('cancelled');
    expect(await last.getByRole('link').textContent()).toBe(first.id);
    expect(await last.locator('.state').textContent()).toBe('succeeded');
    expect(await row.getAttribute('data-paused')).toBe('true');
    expect(await row.getByRole('button', { name: 'Pause' }).count()).toBe(0);
    await page.screenshot({ path: `${SHOTS}schedules-paused-desktop.png` });

    // Resume: a new waiting run, due a period after the last run started.
    await row.getByRole('button', { name: 'Resume' }).click();
    await next.filter({ hasText: /^in \d+s$/ }).waitFor();
    const [resumed] = await api.schedules();
    expect(resumed!.lastJobId).not.toBe(waiting);
    await latest.getByRole('link', { name: resumed!.lastJobId! }).waitFor();
    await latest.locator('.state', { hasText: 'queued' }).waitFor();

    // The latest run's link opens it at its URL.
    await latest.getByRole('link').click();
    expect(path(page)).toBe(`/jobs/${resumed!.lastJobId}`);
    await page
      .getByTestId('details')
      .and(page.locator(`[data-job-id="${resumed!.lastJobId}"]`))
      .waitFor();

    // Remove asks first; Keep keeps it.
    await row.getByRole('button', { name: 'Remove' }).click();
    const confirm = row.getByRole('group', { name: 'Remove this schedule?' });
    await confirm.waitFor();
    await page.screenshot({ path: `${SHOTS}schedules-confirm-desktop.png` });
    await confirm.getByRole('button', { name: 'Keep' }).click();
    expect(await confirm.count()).toBe(0);
    expect(await api.schedules()).toHaveLength(1);
    await row.getByRole('button', { name: 'Remove' }).click();
    await confirm.getByRole('button', { name: 'Remove' }).click();
    await page.getByTestId('schedules-panel').waitFor({ state: 'detached' });
    expect(await api.schedules()).toEqual([]);
    expect((await engine.get(resumed!.lastJobId!))!.state).toBe('cancelled');
    await page.close();
  });

  it('reads the list again when a run is queued, starts or ends, not while it runs', async () => {
    const { engine, server, base } = await serve();
    const api = await apiOf(base);
    const page = await open(server.url, LAPTOP);
    const listings: number[] = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname.includes('schedules.list')) listings.push(Date.now());
    });
    // A run of ~4 s sending progress all along, then the next due an hour after it started.
    const first = await api.start('demo.sleep', { items: 40, ms: 200 }, { every: '1h' });
    const row = rowOf(page, first.scheduleId!);
    await row
      .getByTestId('latest-run')
      .locator('.state', { hasText: 'running' })
      .waitFor({ timeout: 10_000 });
    const runningSeen = Date.now();
    const done = await engine.waitFor(first.id);
    expect(done.finishedAt! - runningSeen).toBeGreaterThan(2000);
    const [schedule] = await api.schedules();
    // Its end (and the next run queued) made the page list again, without a reload.
    await row.getByTestId('latest-run').getByRole('link', { name: schedule!.lastJobId! }).waitFor();
    expect(await row.getByTestId('next-run').textContent()).toMatch(/^in (59m\d{2}s|1h00m)$/);
    // Nothing while it ran (its start's listing aside): progress changes no schedule, and no timer asks.
    expect(listings.filter((at) => at > runningSeen + 1000 && at < done.finishedAt!)).toEqual([]);
    // A listing per change of a run (queued, started, ended, the next queued), not one a second.
    expect(listings.length).toBeLessThanOrEqual(6);
    await api.removeSchedule(schedule!.id);
    await page.close();
  });

  it('fits a phone: a paused and a running schedule as cards, their buttons in reach', async () => {
    const { engine, server, base } = await serve();
    const api = await apiOf(base);
    const page = await open(server.url, PHONE);
    const hourly = await api.start('demo.sleep', { items: 1, ms: 10 }, { every: '1h' });
    // Its third item fails: the run ends partial, amber as everywhere else.
    const often = await api.start('demo.sleep', { items: 3, ms: 10, failEvery: 3 }, { every: '45s' });
    await engine.waitFor(hourly.id);
    await engine.waitFor(often.id);
    await api.pauseSchedule(hourly.scheduleId!);
    await rowOf(page, hourly.scheduleId!).getByTestId('next-run').filter({ hasText: 'paused' }).waitFor();
    await rowOf(page, often.scheduleId!)
      .getByTestId('next-run')
      .filter({ hasText: /^in \d+s$/ })
      .waitFor();
    const partial = rowOf(page, often.scheduleId!).getByTestId('last-run').locator('.state');
    await partial.filter({ hasText: 'partly failed' }).waitFor();
    expect(await partial.getAttribute('class')).toBe('state state-partial');
    // style.css's amber for partial (#fff1cc), the badge the history shows too.
    const colour = `getComputedStyle(document.querySelector('[data-schedule-id="${often.scheduleId}"] [data-testid="last-run"] .state')).backgroundColor`;
    expect(await page.evaluate(colour)).toBe('rgb(255, 241, 204)');
    expect(
      await rowOf(page, hourly.scheduleId!).getByTestId('last-run').locator('.state').textContent(),
    ).toBe('succeeded');
    const panel = page.getByTestId('schedules-panel');
    await panel.scrollIntoViewIfNeeded();
    // Every button whole within its card, nothing to scroll sideways for.
    const card = (await panel.boundingBox())!;
    for (const button of await panel.getByRole('button').all()) {
      const box = (await button.boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(card.x);
      expect(box.x + box.width).toBeLessThanOrEqual(card.x + card.width);
    }
    const wrap = `document.querySelector('[data-testid="schedules-panel"] .table-wrap')`;
    expect(await page.evaluate(`${wrap}.scrollWidth <= ${wrap}.clientWidth`)).toBe(true);
    await panel.screenshot({ path: `${SHOTS}schedules-phone.png` });
    await page.screenshot({ path: `${SHOTS}schedules-phone-page.png`, fullPage: true });
    await page.close();
  });
});
