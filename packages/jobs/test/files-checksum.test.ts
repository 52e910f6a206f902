import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import filesChecksum from '../src/files-checksum.js';
import { formatManifestLine, parseManifest } from '../src/lib/manifest.js';
import { runInThread, testContext } from './helpers/context.js';
import { finished, openEngine } from './helpers/engine.js';
import { listTree, tempDir, tempFilesIn } from './helpers/temp.js';

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const MB = 1024 * 1024;

async function makeTree(): Promise<{ root: string; big: Buffer }> {
  const root = join(tempDir(), 'data');
  await mkdir(join(root, 'docs'), { recursive: true });
  await writeFile(join(root, 'a.txt'), 'alpha\n');
  await writeFile(join(root, 'docs/b.txt'), 'beta\n');
  const big = Buffer.alloc(5 * MB);
  for (let i = 0; i < big.length; i += 4096) big[i] = i % 251;
  await writeFile(join(root, 'big.bin'), big);
  return { root, big };
}

describe('files.checksum', () => {
  it('writes a manifest that sha256sum itself accepts, with progress in bytes', async () => {
    const { root, big } = await makeTree();
    const ctx = testContext();
    const { summary } = await runInThread(filesChecksum, { root }, ctx);

    const manifest = await readFile(join(root, 'SHA256SUMS'), 'utf8');
    expect(manifest).toBe(
      [`${sha256('alpha\n')}  a.txt`, `${sha256(big)}  big.bin`, `${sha256('beta\n')}  docs/b.txt`, ''].join(
        '\n',
      ),
    );
    const { stdout } = await promisify(execFile)('sha256sum', ['-c', join(root, 'SHA256SUMS')], {
      cwd: root,
    });
    expect(stdout).toBe('a.txt: OK\nbig.bin: OK\ndocs/b.txt: OK\n');

    const total = 5 * MB + 11;
    expect(summary).toMatchObject({ mode: 'create', files: 3, bytes: total, problems: 0 });
    // Each file is an item reporting its own bytes: the big one as it streams, not only when it is done.
    const big5 = ctx.updates.filter((u) => u.total === 5 * MB);
    expect(big5.filter((u) => u.done > 0 && u.done < 5 * MB).length).toBeGreaterThanOrEqual(3);
    const dones = big5.map((u) => u.done);
    expect(dones).toEqual([...dones].sort((a, b) => a - b));
    expect(dones.at(-1)).toBe(5 * MB);
  });

  it('verifies a tree, naming mismatched, missing and unlisted files', async () => {
    const { root } = await makeTree();
    await runInThread(filesChecksum, { root });
    const clean = await runInThread(filesChecksum, { root, mode: 'verify' });
    expect(clean.summary).toMatchObject({
      ok: true,
      files: 3,
      matched: 3,
      mismatchedCount: 0,
      missingCount: 0,
    });

    await writeFile(join(root, 'a.txt'), 'ALPHA\n');
    await rm(join(root, 'docs/b.txt'));
    await writeFile(join(root, 'new.txt'), 'new');
    const { summary } = await runInThread(filesChecksum, { root, mode: 'verify' });

    expect(summary).toMatchObject({
      ok: false,
      files: 3,
      matched: 1,
      mismatched: ['a.txt'],
      missing: ['docs/b.txt'],
      unlisted: ['new.txt'],
    });
  });

  it('says so when there is no manifest to verify against, or no folder', async () => {
    const { root } = await makeTree();
    await expect(runInThread(filesChecksum, { root, mode: 'verify' })).rejects.toThrow(
      `no manifest at ${join(root, 'SHA256SUMS')}; write one first with mode "create"`,
    );
    await expect(runInThread(filesChecksum, { root: join(root, 'nope') })).rejects.toThrow(
      `no such folder: ${join(root, 'nope')}`,
    );
  });

  it('keeps a manifest inside the tree out of itself', async () => {
    const { root } = await makeTree();
    const manifest = join(root, 'SHA256SUMS');
    await runInThread(filesChecksum, { root, manifest });
    await runInThread(filesChecksum, { root, manifest });
    expect(parseManifest(await readFile(manifest, 'utf8')).entries.map((e) => e.path)).toEqual([
      'a.txt',
      'big.bin',
      'docs/b.txt',
    ]);
    const { summary } = await runInThread(filesChecksum, { root, manifest, mode: 'verify' });
    expect(summary).toMatchObject({ ok: true, unlistedCount: 0 });
  });

  it('escapes names with newlines and backslashes as GNU sha256sum does, and reads them back', () => {
    const entries = [
      { sha256: 'a'.repeat(64), path: 'plain name.txt' },
      { sha256: 'b'.repeat(64), path: 'two\nlines\\and slash' },
    ];
    const text = entries.map(formatManifestLine).join('');
    expect(text.split('\n')[1]).toBe(`\\${'b'.repeat(64)}  two\\nlines\\\\and slash`);
    expect(parseManifest(text)).toEqual({ entries, invalid: [] });
    expect(parseManifest('not a line\n').invalid).toEqual([1]);
  });

  it('writes no manifest and leaves no temporary file when cancelled mid-file', async () => {
    const { root } = await makeTree();
    const ctx = testContext((done, total) => {
      if (total && done > 2 * MB) ctx.cancel();
    });

    const { outcomes, summary } = await runInThread(filesChecksum, { root }, ctx);

    expect(outcomes.map((o) => o.outcome)).toEqual(['succeeded', 'cancelled', 'cancelled']);
    expect(summary).toMatchObject({ manifest: null, cancelled: 2 });
    expect(await listTree(root)).not.toContain('SHA256SUMS');
    expect(await tempFilesIn(root)).toEqual([]);
  });
});

describe('files.checksum in the engine', () => {
  it('hands files to every thread and writes the same manifest sha256sum accepts', async () => {
    const root = join(tempDir(), 'many');
    await mkdir(join(root, 'sub'), { recursive: true });
    for (let i = 0; i < 24; i++)
      await writeFile(join(root, i % 2 ? `sub/f${i}` : `f${i}`), Buffer.alloc(MB, i));
    const engine = await openEngine({ poolSize: 2 });
    const job = await engine.start('files.checksum', { root });
    let busiest = 0;
    const watch = setInterval(() => {
      busiest = Math.max(busiest, engine.stats().busyWorkers);
    }, 2);
    const done = await finished(engine, job.id).finally(() => clearInterval(watch));

    expect(done).toMatchObject({
      state: 'succeeded',
      items: { succeeded: 24 },
      summary: { files: 24, bytes: 24 * MB },
    });
    expect(busiest).toBe(2);
    // The job's progress is in bytes (each file weighs its size), not in files.
    expect(await engine.get(job.id)).toMatchObject({
      unit: 'bytes',
      progress: { done: 24 * MB, total: 24 * MB, fraction: 1 },
    });
    const { stdout } = await promisify(execFile)('sha256sum', ['--quiet', '-c', join(root, 'SHA256SUMS')], {
      cwd: root,
    });
    expect(stdout).toBe('');
    const verify = await finished(
      engine,
      (await engine.start('files.checksum', { root, mode: 'verify' })).id,
    );
    expect(verify).toMatchObject({ state: 'succeeded', summary: { ok: true, matched: 24 } });
  });
});
