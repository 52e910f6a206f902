// The history in Chromium, over a real server and engine: found by the server
// (tabs count every job, not only those the page holds), its filters in the
// address with back and forward, and deleting finished jobs, one or all.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Engine } from '@threadline/core';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { chromiumPages, PHONE } from './chromium.js';
import { serve } from './helpers.js';

const { open } = chromiumPages();
const SHOTS = fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url));
const LAPTOP = { width: 1280, height: 800 };

/** Starts every job at once and waits for them all to finish. */
async function history(engine: Engine, inputs: object[]): Promise<string[]> {
  const started = await Promise.all(inputs.map((input) => engine.start('demo.sleep', input)));
  await Promise.all(started.map((job) => engine.waitFor(job.id)));
  return started.map((job) => job.id);
}

const rows = (page: Page) => page.getByTestId('history-job');
const search = (page: Page) => new URL(page.url()).searchParams;
const tab = (page: Page, state: string) => page.getByTestId(`tab-${state}`);
const states = async (page: Page) =>
  Promise.all((await rows(page).all()).map((row) => row.getAttribute('data-state')));

describe('history in Chromium', () => {
  it('finds any job of a long history by state, job and input, kept in the address, back and forward included', async () => {
    const { server, engine } = await serve();
    // 67 finished jobs: more than the 50 the page's live view holds.
    await history(engine, [
      ...Array.from({ length: 60 }, () => ({ items: 1, ms: 0 })),
      ...Array.from({ length: 6 }, () => ({ items: 1, ms: 0, failEvery: 1 })),
      { items: 2, ms: 0, failEvery: 2 },
    ]);
    const page = await open(server.url, LAPTOP);
    await expect.poll(() => tab(page, 'all').textContent()).toBe('all 67');
    expect(await tab(page, 'succeeded').textContent()).toBe('succeeded 60');
    expect(await tab(page, 'failed').textContent()).toBe('failed 6');
    expect(await tab(page, 'partial').textContent()).toBe('partly failed 1');
    expect(await rows(page).count()).toBe(50);

    await tab(page, 'failed').click();
    await expect.poll(() => rows(page).count()).toBe(6);
    expect(new Set(await states(page))).toEqual(new Set(['failed']));
    expect(search(page).get('state')).toBe('failed');

    await page.getByTestId('filter-name').selectOption('demo.sleep');
    await expect.poll(() => search(page).get('name')).toBe('demo.sleep');
    // Text over the input: only the partial job failed every second item.
    await page.getByTestId('filter-text').fill('"failEvery":2');
    await expect.poll(() => search(page).get('q')).toBe('"failEvery":2');
    await page.getByText('No job matches.').waitFor();
    expect(await tab(page, 'partial').textContent()).toBe('partly failed 1');
    expect(await tab(page, 'all').textContent()).toBe('all 1');
    await tab(page, 'all').click();
    await expect.poll(() => states(page)).toEqual(['partial']);
    expect(search(page).has('state')).toBe(false);
    await page.screenshot({ path: `${SHOTS}history-search-desktop.png` });

    // Back: the failed tab with the text (typing replaced its step, not one step per key)…
    await page.goBack();
    await expect.poll(() => search(page).get('state')).toBe('failed');
    await page.getByText('No job matches.').waitFor();
    expect(await page.getByTestId('filter-text').inputValue()).toBe('"failEvery":2');
    // …then the failed tab alone, as first chosen; forward again to where we were.
    await page.goBack();
    await expect.poll(() => rows(page).count()).toBe(6);
    expect(search(page).has('q')).toBe(false);
    expect(await page.getByTestId('filter-text').inputValue()).toBe('');
    await page.goForward();
    await page.goForward();
    await expect.poll(() => states(page)).toEqual(['partial']);

    // A link to a search opens on it; older pages come from the server.
    const token = server.token ? `&token=${server.token}` : '';
    const linked = await open(`${server.origin}/?state=succeeded&name=demo.sleep${token}`, LAPTOP);
    expect(await tab(linked, 'succeeded').getAttribute('aria-selected')).toBe('true');
    await expect.poll(() => rows(linked).count()).toBe(50);
    await linked.getByRole('button', { name: 'Load older jobs' }).click();
    await expect.poll(() => rows(linked).count()).toBe(60);
    expect(new Set(await states(linked))).toEqual(new Set(['succeeded']));
    expect(await linked.getByRole('button', { name: 'Load older jobs' }).count()).toBe(0);
    await linked.close();
    await page.close();
  });

  it('deletes a finished job after a confirm, offers no delete for a running one, and clears finished jobs', async () => {
    const { server, engine } = await serve();
    const [first, second, third] = await history(engine, [
      { items: 1, ms: 0 },
      { items: 1, ms: 0, failEvery: 1 },
      { items: 1, ms: 0 },
    ]);
    const running = await engine.start('demo.sleep', { items: 1, ms: 60_000 });
    const page = await open(server.url, PHONE);
    const row = (id: string) => page.locator(`[data-testid="history-job"][data-job-id="${id}"]`);
    await row(running.id).and(page.locator('[data-state="running"]')).waitFor();
    await expect.poll(() => rows(page).count()).toBe(4);
    expect(await row(running.id).getByTestId('delete-job').count()).toBe(0);

    // Dismissed: nothing goes.
    page.once('dialog', (dialog) => void dialog.dismiss());
    await row(first!).getByTestId('delete-job').click();
    expect(await engine.get(first!)).toBeDefined();

    const asked: string[] = [];
    page.once('dialog', (dialog) => {
      asked.push(dialog.message());
      void dialog.accept();
    });
    await row(second!).getByTestId('delete-job').click();
    await expect.poll(() => row(second!).count()).toBe(0);
    expect(asked[0]).toMatch(new RegExp(`^Delete "Sleep \\(demo\\)" \\(${second}\\) with its items`));
    expect(await engine.get(second!)).toBeUndefined();
    await expect.poll(() => tab(page, 'all').textContent()).toBe('all 3');

    const scrollWidth = Number(await page.evaluate('document.documentElement.scrollWidth'));
    expect(scrollWidth).toBeLessThanOrEqual(PHONE.width);
    mkdirSync(SHOTS, { recursive: true });
    await page.getByTestId('jobs-panel').screenshot({ path: `${SHOTS}history-delete-phone.png` });

    // From its details too: they close, and the row goes.
    await row(third!).locator('button.link').click();
    const details = page.getByTestId('details').and(page.locator(`[data-job-id="${third}"]`));
    page.once('dialog', (dialog) => void dialog.accept());
    await details.getByTestId('details-delete').click();
    await expect.poll(() => details.count()).toBe(0);
    await expect.poll(() => row(third!).count()).toBe(0);
    expect(new URL(page.url()).pathname).toBe('/');

    page.once('dialog', (dialog) => {
      asked.push(dialog.message());
      void dialog.accept();
    });
    await page.getByTestId('clear-finished').click();
    await page.getByText('Deleted 1 finished job.').waitFor();
    expect(asked[1]).toMatch(/^Delete the one finished job, with its items/);
    await expect.poll(() => rows(page).count()).toBe(1);
    expect(await rows(page).first().getAttribute('data-job-id')).toBe(running.id);
    expect([await engine.get(first!), await engine.get(third!)]).toEqual([undefined, undefined]);
    expect(await engine.get(running.id)).toMatchObject({ state: 'running' });
    await engine.cancel(running.id, { force: true });
    await page.close();
  });
});
