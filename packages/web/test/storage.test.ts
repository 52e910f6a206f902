// A full disk under a running server (a real tmpfs, filled by a job's failures):
// the page's banner (in Chromium), /status and /metrics say so while the engine
// holds the history in memory, and stop saying so when space returns. Skipped
// where mounting is not allowed.
import { execFileSync } from 'node:child_process';
import { tmpfsMounts, until } from '@threadline/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { chromiumPages } from './chromium.js';
import { authFor, openEngine, serve, tempDir } from './helpers.js';

const { open } = chromiumPages();

const mounts = tmpfsMounts();
afterEach(() => mounts.unmountAll());
const canMount = mounts.canMount(tempDir());

describe('a full disk under the server', () => {
  it.skipIf(!canMount)(
    'is a banner on the page, on /status and in /metrics while it lasts, gone when space returns',
    async () => {
      const dataDir = mounts.tmpfs(tempDir(), '600k')!;
      const lines: string[] = [];
      const engine = await openEngine(dataDir, { log: (line) => lines.push(line) });
      const { base, server } = await serve({ client: engine });
      const page = await open(server.url);
      const banner = page.getByTestId('storage-fault');
      const get = async (path: string) => {
        const response = await fetch(`${base}${path}`, { headers: authFor(base) });
        expect(response.status).toBe(200);
        return response.text();
      };
      expect(JSON.parse(await get('/status'))).toEqual({ storage: { ok: true } });
      expect(await get('/metrics')).toMatch(/^threadline_storage_fault\{reason="full"\} 0$/m);

      // Every item fails: an event each with its message, more than the disk holds.
      const job = await engine.start('demo.sleep', { items: 6000, ms: 1, failEvery: 1 });
      const fault = await until(
        async () => {
          const { storage } = JSON.parse(await get('/status'));
          return storage.ok ? undefined : storage;
        },
        'the disk to fill',
        30_000,
      );
      expect(fault).toEqual({
        ok: false,
        reason: 'full',
        problem: expect.stringMatching(/^the disk holding .* is full: free some space/),
      });
      const metrics = await get('/metrics');
      expect(metrics).toMatch(/^threadline_storage_fault\{reason="full"\} 1$/m);
      expect(metrics).toMatch(/^threadline_storage_fault\{reason="read-only"\} 0$/m);
      expect(lines[0]).toMatch(/is full: free some space.*starting no new items/);
      await banner.waitFor({ timeout: 15_000 });
      expect(await banner.textContent()).toMatch(
        /^Disk full: history held in memory, no new items start\. the disk holding .* is full: free some space/,
      );

      execFileSync('mount', ['-o', 'remount,size=64m', dataDir]);
      await engine.waitFor(job.id);
      await until(
        async () => JSON.parse(await get('/status')).storage.ok || undefined,
        'the store to take writes',
      );
      expect(await get('/metrics')).toMatch(/^threadline_storage_fault\{reason="full"\} 0$/m);
      await banner.waitFor({ state: 'detached', timeout: 15_000 });
      await page.close();
    },
  );
});
