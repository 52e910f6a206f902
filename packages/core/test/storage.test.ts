// Storage faults as a person running Threadline meets them: a corrupt file, a
// read-only folder and a full disk (real tmpfs mounts; skipped where mounting
// is not allowed), each a one-line StorageError, and a full disk survived.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpfsMounts, until } from '@threadline/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine } from '../src/engine/engine.js';
import { StorageError } from '../src/protocol/errors.js';
import { registry, tempDir } from './helpers.js';

const mounts = tmpfsMounts();
afterEach(() => mounts.unmountAll());
const canMount = mounts.canMount(tempDir());

describe('storage faults', () => {
  it('names a corrupt store and what to do, and leaves the folder free', async () => {
    const dataDir = tempDir();
    writeFileSync(join(dataDir, 'threadline.db'), Buffer.alloc(8192, 'not a database '));
    const open = createEngine({ dataDir, registry });
    await expect(open).rejects.toBeInstanceOf(StorageError);
    await expect(open).rejects.toThrow(/is corrupt .*move it aside/);
    // The lock went with the failed open: the same error again, not "in use".
    await expect(createEngine({ dataDir, registry })).rejects.toMatchObject({ reason: 'corrupt' });
  });

  it.skipIf(!canMount)('names a read-only data directory', async () => {
    const dataDir = mounts.tmpfs(tempDir(), '8m')!;
    const engine = await createEngine({ dataDir, registry, poolSize: 1 });
    await engine.close();
    execFileSync('mount', ['-o', 'remount,ro', dataDir]);
    await expect(createEngine({ dataDir, registry })).rejects.toMatchObject({
      name: 'StorageError',
      reason: 'read-only',
      message: expect.stringMatching(/cannot be written .*make it writable/),
    });
  });

  it.skipIf(!canMount)(
    'survives a full disk: holds its writes, says so, and carries on when space returns',
    async () => {
      const dataDir = mounts.tmpfs(tempDir(), '600k')!;
      const lines: string[] = [];
      const engine = await createEngine({ dataDir, registry, poolSize: 2, log: (line) => lines.push(line) });
      try {
        // Every item fails with its stack: a few hundred bytes of events each, more than the disk holds.
        const failOn = Array.from({ length: 3000 }, (_, i) => i);
        const job = await engine.start('test.count', { n: 3000, failOn, ms: 1 });
        await until(() => !engine.stats().storage.ok, 'the disk to fill', 20_000);
        expect(engine.stats().storage).toMatchObject({ ok: false, reason: 'full' });
        expect(lines[0]).toMatch(/is full: free some space.*starting no new items/);
        // No new items start while the store cannot be written.
        const held = (await engine.get(job.id))!.items.failed;
        await new Promise((r) => setTimeout(r, 500));
        expect((await engine.get(job.id))!.items.failed - held).toBeLessThan(3000 - held);

        execFileSync('mount', ['-o', 'remount,size=64m', dataDir]);
        const done = await engine.waitFor(job.id);
        expect(done).toMatchObject({ state: 'failed', items: { total: 3000, failed: 3000 } });
        expect(engine.stats().storage.ok).toBe(true);
        expect(lines.at(-1)).toMatch(/writable again/);
      } finally {
        await engine.close();
      }
      const again = await createEngine({ dataDir, registry, poolSize: 1 });
      try {
        const jobs = await again.list();
        expect(jobs[0]).toMatchObject({ state: 'failed', items: { failed: 3000 } });
        expect((await again.details(jobs[0]!.id))!.failures).toHaveLength(500);
      } finally {
        await again.close();
      }
    },
  );
});
