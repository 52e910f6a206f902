// Debian's Chromium, driven by playwright-core, for the tests of the page: one
// browser per test file, a page per test. Never downloads a browser.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';

const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = fileURLToPath(new URL('../test-artifacts/', import.meta.url));
const PAGE_BUILT = existsSync(fileURLToPath(new URL('../dist/page/index.html', import.meta.url)));

export type Viewport = { width: number; height: number };
export const DESKTOP: Viewport = { width: 1280, height: 900 };
export const PHONE: Viewport = { width: 390, height: 844 };

/** Launches Chromium for the file's tests; `open` loads the page and waits until it is live. */
export function chromiumPages(): { open(url: string, viewport?: Viewport): Promise<Page> } {
  let browser: Browser | undefined;
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
  return {
    async open(url, viewport = DESKTOP) {
      if (!browser) throw new Error('open() runs inside a test');
      const page = await browser.newPage({ viewport });
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(error.message));
      await page.goto(url);
      await page.getByTestId('connection').filter({ hasText: 'live' }).waitFor({ timeout: 10_000 });
      expect(problems).toEqual([]);
      return page;
    },
  };
}
