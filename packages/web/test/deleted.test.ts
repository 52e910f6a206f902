// Two tabs on one server in Chromium: what one deletes leaves the other on the
// `deleted` event (no reload, no polling), and the other's open details of the
// job say it was deleted instead of failing.
import type { Engine } from '@threadline/core';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { chromiumPages } from './chromium.js';
import { serve } from './helpers.js';

const { open } = chromiumPages();
const LAPTOP = { width: 1280, height: 800 };
/** "Within a few seconds", on a machine at load 10-20. */
const SOON = { timeout: 10_000 };

async function finishedJobs(engine: Engine, count: number): Promise<string[]> {
  const started = await Promise.all(
    Array.from({ length: count }, () => engine.start('demo.sleep', { items: 1, ms: 0 })),
  );
  await Promise.all(started.map((job) => engine.waitFor(job.id)));
  return started.map((job) => job.id);
}

const row = (page: Page, id: string) => page.locator(`[data-testid="history-job"][data-job-id="${id}"]`);
const rows = (page: Page) => page.getByTestId('history-job');

describe('a deletion in another tab', () => {
  it('takes the row out of the other tab, whose open details say the job was deleted; a clear takes the rest', async () => {
    const { server, engine } = await serve();
    const [kept, gone, other] = await finishedJobs(engine, 3);
    const here = await open(server.url, LAPTOP);
    const there = await open(server.url, LAPTOP);
    await expect.poll(() => rows(there).count(), SOON).toBe(3);

    // The other tab looks at the job this one deletes.
    await row(there, gone!).locator('button.link').click();
    const details = there.getByTestId('details').and(there.locator(`[data-job-id="${gone}"]`));
    await details.getByTestId('details-state').waitFor();

    here.once('dialog', (dialog) => void dialog.accept());
    await row(here, gone!).getByTestId('delete-job').click();
    await expect.poll(() => row(there, gone!).count(), SOON).toBe(0);
    await details.getByTestId('details-deleted').waitFor(SOON);
    expect(await details.textContent()).toContain('This job was deleted.');
    expect(await details.locator('.error').count()).toBe(0);
    await expect.poll(() => there.getByTestId('tab-all').textContent(), SOON).toBe('all 2');
    expect(await row(there, kept!).count()).toBe(1);

    // A clear is one event for every job it took.
    here.once('dialog', (dialog) => void dialog.accept());
    await here.getByTestId('clear-finished').click();
    await here.getByText('Deleted 2 finished jobs.').waitFor(SOON);
    await expect.poll(() => rows(there).count(), SOON).toBe(0);
    expect([await engine.get(kept!), await engine.get(other!)]).toEqual([undefined, undefined]);
    await here.close();
    await there.close();
  });
});
