// A job that partly failed, in Chromium: its row and details say each outcome
// apart, "Retry failed" runs a new job of only what failed, and the two jobs
// link to each other. A retry the server refuses says why, where it was asked.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Engine } from '@threadline/core';
import { builtinJobs } from '@threadline/jobs';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { chromiumPages, PHONE } from './chromium.js';
import { openEngine, pageUrl, serve, tempDir } from './helpers.js';

const { open } = chromiumPages();

const SHOTS = '/tmp/shots/';
const LAPTOP = { width: 1280, height: 800 };
const registry = {
  ...builtinJobs,
  'test.waitsForFiles': new URL('./fixtures/waits-for-files.ts', import.meta.url).href,
};

/** Twelve photos, four of them not synced yet: the job ends partial, 8 of 12. */
const NAMES = Array.from({ length: 12 }, (_, i) => `IMG_${String(4001 + i)}.JPG`);
const MISSING = [NAMES[2]!, NAMES[5]!, NAMES[6]!, NAMES[11]!];

async function partialJob(engine: Engine, dir: string): Promise<string> {
  const job = await engine.start('test.waitsForFiles', { dir, names: NAMES, waitsFor: MISSING });
  expect((await engine.waitFor(job.id)).state).toBe('partial');
  return job.id;
}

const rowOf = (page: Page, id: string) => page.locator(`[data-testid="history-job"][data-job-id="${id}"]`);
const detailsOf = (page: Page, id: string) =>
  page.getByTestId('details').and(page.locator(`[data-job-id="${id}"]`));
const path = (page: Page) => new URL(page.url()).pathname;

describe('resume in Chromium', () => {
  it('retries the failed items of a partial job: a new job at its own URL, only what failed run again', async () => {
    const dir = tempDir();
    const engine = await openEngine(undefined, { registry });
    const { server } = await serve({ client: engine, allow: [dir] });
    const page = await open(server.url, LAPTOP);
    const oldId = await partialJob(engine, dir);

    // The row: amber, never green, and the failed items apart from those that succeeded.
    const row = rowOf(page, oldId).and(page.locator('[data-state="partial"]'));
    await row.waitFor({ timeout: 10_000 });
    const badge = row.locator('.state');
    expect(await badge.textContent()).toBe('partly failed');
    const colour = `getComputedStyle(document.querySelector('[data-testid="history-job"][data-job-id="${oldId}"] .state')).backgroundColor`;
    expect(await page.evaluate(colour)).toBe('rgb(255, 241, 204)');
    expect(await row.getByTestId('count').textContent()).toBe('8/12 items, 4 failed');
    expect(await row.getByRole('button', { name: 'Retry failed' }).count()).toBe(1);

    await row.locator('button.link').click();
    const details = detailsOf(page, oldId);
    await details.getByTestId('failures').waitFor();
    expect(path(page)).toBe(`/jobs/${oldId}`);
    expect(await details.getByTestId('details-count').textContent()).toBe('8/12 items, 4 failed');
    // Every item ran, but a partial job is not 100% done: the share that succeeded.
    expect(await details.locator('.outcome-legend').textContent()).toBe(
      '8 succeeded4 failed0 cancelledof 12 (66.7%)',
    );
    expect(await details.getByTestId('outcome-bar').getAttribute('aria-label')).toBe(
      '8 succeeded, 4 failed, 0 cancelled of 12',
    );
    await expect.poll(() => details.locator('[data-testid="failures"] tbody tr').count()).toBe(4);
    await details
      .getByTestId('failures')
      .getByRole('cell', { name: `${MISSING[0]} is not there yet` })
      .waitFor();
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: `${SHOTS}partial-details-desktop.png` });

    // The files arrive; the retry runs only the four that failed.
    for (const name of MISSING) writeFileSync(join(dir, name), 'photo');
    await details.getByRole('button', { name: 'Retry failed' }).click();
    await expect.poll(() => path(page), { timeout: 10_000 }).not.toBe(`/jobs/${oldId}`);
    const newId = decodeURIComponent(path(page).slice('/jobs/'.length));
    const retried = detailsOf(page, newId);
    await retried
      .getByTestId('details-state')
      .filter({ hasText: /^succeeded$/ })
      .waitFor({ timeout: 15_000 });
    await expect.poll(() => retried.getByTestId('details-count').textContent()).toBe('12/12 items');
    expect(await retried.getByTestId('resumes').textContent()).toMatch(new RegExp(`^Resumes ${oldId}`));
    // A succeeded job's bar is full: the eight taken over count as its own.
    const width = async (selector: string) => (await retried.locator(selector).boundingBox())?.width ?? 0;
    const full = await width('[data-testid="outcome-bar"]');
    await expect.poll(() => width('.seg.ok')).toBeCloseTo(full, 0);
    await page.screenshot({ path: `${SHOTS}resumed-details-desktop.png` });
    const resumed = await engine.get(newId);
    expect(resumed).toMatchObject({ resumeOf: oldId, state: 'succeeded' });
    expect(resumed?.items).toMatchObject({ succeeded: 12, failed: 0, cancelled: 0, total: 12 });
    // The eight that succeeded before were not run again, and their results still reached summarize.
    const ran = readFileSync(join(dir, 'ran.txt'), 'utf8').trim().split('\n');
    expect(ran.toSorted()).toEqual(NAMES);
    expect(resumed?.summary).toEqual({ names: NAMES });

    // The old job points at the new one, and offers no second retry.
    const oldRow = rowOf(page, oldId);
    await oldRow.getByTestId('resumed-as').filter({ hasText: newId }).waitFor();
    expect(await oldRow.getByRole('button', { name: 'Retry failed' }).count()).toBe(0);
    expect(await oldRow.getByRole('button', { name: 'Run again' }).count()).toBe(1);
    await retried.getByTestId('resumes').getByRole('link').click();
    await detailsOf(page, oldId).getByTestId('resumed-as').filter({ hasText: newId }).waitFor();
    expect(path(page)).toBe(`/jobs/${oldId}`);
    expect(await detailsOf(page, oldId).getByRole('button', { name: 'Retry failed' }).count()).toBe(0);
    await page.screenshot({ path: `${SHOTS}resumed-as-desktop.png`, fullPage: true });
    await page.close();

    // A fresh page reads it from the server: the old job's snapshot says resumedAs.
    const again = await open(pageUrl(server, `/jobs/${oldId}`));
    await detailsOf(again, oldId).getByTestId('resumed-as').filter({ hasText: newId }).waitFor();
    await again.close();
  });

  it('says why a retry is refused, on the row it was asked from, and stays where it was', async () => {
    // Started by someone else on a folder this server does not allow.
    const allowed = tempDir();
    const elsewhere = tempDir();
    const engine = await openEngine(undefined, { registry });
    const { server } = await serve({ client: engine, allow: [allowed] });
    const oldId = await partialJob(engine, elsewhere);
    const page = await open(server.url);
    const row = rowOf(page, oldId);
    await row.getByRole('button', { name: 'Retry failed' }).click();
    const alert = row.getByRole('alert');
    await alert.waitFor({ timeout: 10_000 });
    expect(await alert.textContent()).toMatch(/outside the allowed folders/);
    expect(await alert.textContent()).not.toMatch(/fetch/i);
    expect(path(page)).toBe('/');
    expect(await engine.list({ name: 'test.waitsForFiles' })).toHaveLength(1);
    await page.close();
  });

  it('shows a partial job’s details on a phone without sideways scroll', async () => {
    const dir = tempDir();
    const engine = await openEngine(undefined, { registry });
    const { server } = await serve({ client: engine, allow: [dir] });
    const oldId = await partialJob(engine, dir);
    const page = await open(pageUrl(server, `/jobs/${oldId}`), PHONE);
    const details = detailsOf(page, oldId);
    await expect.poll(() => details.locator('[data-testid="failures"] tbody tr').count()).toBe(4);
    expect(await details.getByRole('button', { name: 'Retry failed' }).isVisible()).toBe(true);
    expect(Number(await page.evaluate('document.documentElement.scrollWidth'))).toBeLessThanOrEqual(
      PHONE.width,
    );
    mkdirSync(SHOTS, { recursive: true });
    await details.screenshot({ path: `${SHOTS}partial-details-phone.png` });
    // The row's two actions fit the phone's table too.
    await rowOf(page, oldId).scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}partial-row-phone.png`, fullPage: true });
    await page.close();
  });
});
