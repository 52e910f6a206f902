// The history read with no engine (what `list` and `show` do when none owns
// the directory) on a data directory nobody may write: a read-only tmpfs, with
// and without a WAL an engine had not checkpointed. Skipped where mounting is
// not allowed (root could write through chmod).
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpfsMounts } from '@threadline/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine } from '../src/engine/engine.js';
import { StoredHistory } from '../src/store/history.js';
import { registry, tempDir } from './helpers.js';

const mounts = tmpfsMounts();
afterEach(() => mounts.unmountAll());
const canMount = mounts.canMount(tempDir());

async function history(options: { closed: boolean }) {
  const dataDir = tempDir();
  const engine = await createEngine({ dataDir, registry, poolSize: 1 });
  const job = await engine.start('test.count', { n: 5, failOn: [3] });
  await engine.waitFor(job.id);
  await engine.list(); // writes what the tick held
  if (options.closed) await engine.close();
  const dir = mounts.readOnlyCopy(dataDir, tempDir())!;
  if (!options.closed) await engine.close();
  return { dir, jobId: job.id };
}

describe('the history without an engine', () => {
  it.skipIf(!canMount)(
    'lists and shows the jobs of a read-only data directory, writing nothing',
    async () => {
      const { dir, jobId } = await history({ closed: true });
      expect(() => writeFileSync(join(dir, 'probe'), '')).toThrow(/EROFS/);
      const before = readdirSync(dir).sort();
      const read = StoredHistory.open(dir);
      const jobs = await read.list({ limit: 10 });
      expect(jobs.map((j) => [j.id, j.state])).toEqual([[jobId, 'partial']]);
      const details = await read.details(jobId);
      expect(details?.failures.map((f) => f.index)).toEqual([3]);
      expect(await read.details('j_nope')).toBeUndefined();
      await read.close();
      expect(readdirSync(dir).sort()).toEqual(before);
    },
  );

  it.skipIf(!canMount)('reads what a killed engine left in its WAL, on a read-only copy', async () => {
    const { dir, jobId } = await history({ closed: false });
    expect(readdirSync(dir)).toContain('threadline.db-wal');
    const read = StoredHistory.open(dir);
    expect((await read.get(jobId))?.state).toBe('partial');
    await read.close();
  });

  it('is empty for a data directory with no store yet, and creates none', async () => {
    const dir = tempDir();
    const read = StoredHistory.open(join(dir, 'never'));
    expect(await read.list()).toEqual([]);
    expect(await read.details('j_x')).toBeUndefined();
    await read.close();
    expect(readdirSync(dir)).toEqual([]);
  });
});
