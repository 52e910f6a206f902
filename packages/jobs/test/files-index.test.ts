import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, chown, lstat, mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import filesIndex, { type IndexLine } from '../src/files-index.js';
import { runInThread, testContext } from './helpers/context.js';
import { finished, openEngine } from './helpers/engine.js';
import { listTree, onCleanup, tempDir, tempFilesIn } from './helpers/temp.js';

const readIndex = async (path: string): Promise<IndexLine[]> =>
  (await readFile(path, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as IndexLine);

/** root/{a.txt, sub/b.bin, sub/link-to-a → ../a.txt, loop → ., broken → nowhere} */
async function makeTree(): Promise<string> {
  const root = join(tempDir(), 'tree');
  await mkdir(join(root, 'sub'), { recursive: true });
  await writeFile(join(root, 'a.txt'), 'hello');
  await writeFile(join(root, 'sub/b.bin'), Buffer.alloc(1000, 7));
  await symlink('../a.txt', join(root, 'sub/link-to-a'));
  await symlink('.', join(root, 'loop'));
  await symlink('nowhere', join(root, 'broken'));
  return root;
}

describe('files.index', () => {
  it('writes one JSON line per entry with path, kind, size and mtime, inside the folder by default, leaving itself out', async () => {
    const root = await makeTree();
    const { summary } = await runInThread(filesIndex, { root });

    const lines = await readIndex(join(root, '.index.jsonl'));
    expect(lines.map((line) => [line.path, line.kind])).toEqual([
      ['a.txt', 'file'],
      ['broken', 'symlink'],
      ['loop', 'symlink'],
      ['sub', 'dir'],
      ['sub/b.bin', 'file'],
      ['sub/link-to-a', 'symlink'],
    ]);
    const b = lines.find((line) => line.path === 'sub/b.bin')!;
    expect(b.size).toBe(1000);
    expect(b.mtime).toBe((await stat(join(root, 'sub/b.bin'))).mtime.toISOString());
    expect(lines.find((line) => line.path === 'loop')?.target).toBe('.');
    expect(summary).toMatchObject({ entries: 6, files: 2, dirs: 1, symlinks: 3, bytes: 1005, problems: 0 });
  });

  it('following symlinks, reports loops, broken links and links out of the folder, and indexes the rest', async () => {
    const root = await makeTree();
    const outside = tempDir();
    await writeFile(join(outside, 'private.txt'), 'not yours');
    await symlink(outside, join(root, 'out'));
    const output = join(root, 'index.jsonl');
    const ctx = testContext();
    const { summary } = await runInThread(filesIndex, { root, output, followSymlinks: true }, ctx);

    const lines = await readIndex(output);
    expect(lines.map((line) => [line.path, line.kind, line.size])).toEqual([
      ['a.txt', 'file', 5],
      ['sub', 'dir', expect.any(Number)],
      ['sub/b.bin', 'file', 1000],
      ['sub/link-to-a', 'file', 5],
    ]);
    expect(summary).toMatchObject({
      entries: 4,
      problems: 3,
      problemList: [
        { path: 'broken', reason: expect.stringMatching(/^broken symlink/) },
        { path: 'loop', reason: expect.stringMatching(/^symlink loop/) },
        { path: 'out', reason: expect.stringMatching(/outside the folder: not followed$/) },
      ],
    });
    expect(ctx.logs.filter((log) => log.level === 'warn')).toHaveLength(3);
    // Written inside the tree, the index does not list itself.
    expect(lines.some((line) => line.path.startsWith('index.jsonl'))).toBe(false);
  });

  it('reports an unreadable folder and indexes everything else', async () => {
    const root = await makeTree();
    await mkdir(join(root, 'locked'));
    await writeFile(join(root, 'locked/secret.txt'), 'x');
    await chmod(join(root, 'locked'), 0o000);
    onCleanup(() => chmod(join(root, 'locked'), 0o755));
    const input = { root };

    let summary: unknown;
    if (process.getuid?.() === 0) {
      // Root reads any folder; run the job as "nobody", for whom the folder is closed.
      await chownTree(join(root, '..'), 65534);
      const script = new URL('./fixtures/run-job.ts', import.meta.url).pathname;
      const moduleUrl = new URL('../src/files-index.ts', import.meta.url).href;
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', script, moduleUrl, JSON.stringify(input)],
        { uid: 65534, gid: 65534, env: { ...process.env, VITEST: '' } },
      );
      summary = JSON.parse(stdout);
    } else {
      summary = (await runInThread(filesIndex, input)).summary;
    }

    expect(summary).toMatchObject({
      problems: 1,
      problemList: [{ path: 'locked', reason: expect.stringMatching(/^cannot read folder: EACCES/) }],
    });
    const lines = await readIndex(join(root, '.index.jsonl'));
    expect(lines.map((line) => line.path)).toContain('locked');
    expect(lines.map((line) => line.path)).not.toContain('locked/secret.txt');
  });

  it('leaves neither an index nor a temporary file when cancelled mid-run', async () => {
    const root = join(tempDir(), 'big');
    for (let d = 0; d < 20; d++) {
      await mkdir(join(root, `d${d}`), { recursive: true });
      for (let f = 0; f < 20; f++) await writeFile(join(root, `d${d}/f${f}`), '');
    }
    const ctx = testContext();
    // Cancelled as the 100th entry is handed to its worker.
    let handed = 0;
    type Process = NonNullable<typeof filesIndex.process>;
    const cancelling: typeof filesIndex = {
      ...filesIndex,
      process: (...args: Parameters<Process>) => {
        if (++handed === 100) ctx.cancel();
        return filesIndex.process!(...args);
      },
    };

    const { outcomes, summary } = await runInThread(cancelling, { root }, ctx);

    expect(outcomes.filter((o) => o.outcome === 'cancelled').length).toBe(420 - 99);
    expect(summary).toMatchObject({ output: null });
    expect(await listTree(root)).not.toContain('.index.jsonl');
    expect(await tempFilesIn(root)).toEqual([]);
  });
});

async function chownTree(dir: string, uid: number): Promise<void> {
  await chown(dir, uid, uid);
  for (const entry of await listTree(dir)) {
    const path = join(dir, entry);
    if (!(await lstat(path)).isSymbolicLink()) await chown(path, uid, uid);
  }
}

describe('files.index with hash', () => {
  it("adds each file's SHA-256, read in the item", async () => {
    const root = await makeTree();
    const { summary } = await runInThread(filesIndex, { root, hash: true });
    const lines = await readIndex(join(root, '.index.jsonl'));
    const sha = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
    expect(lines.find((line) => line.path === 'a.txt')?.sha256).toBe(sha('hello'));
    expect(lines.find((line) => line.path === 'sub/b.bin')?.sha256).toBe(sha(Buffer.alloc(1000, 7)));
    expect(lines.find((line) => line.path === 'sub')).not.toHaveProperty('sha256');
    expect(summary).toMatchObject({ entries: 6, files: 2, problems: 0 });
  });
});

describe('files.index in the engine', () => {
  it('counts its progress in bytes across the whole job, with and without hash', async () => {
    const root = join(tempDir(), 'many');
    await mkdir(join(root, 'sub'), { recursive: true });
    for (let i = 0; i < 12; i++)
      await writeFile(join(root, i % 2 ? `sub/f${i}` : `f${i}`), Buffer.alloc((i + 1) * 100_000, i));
    const bytes = Array.from({ length: 12 }, (_, i) => (i + 1) * 100_000).reduce((a, b) => a + b, 0);
    const engine = await openEngine({ poolSize: 2 });
    for (const hash of [false, true]) {
      const job = await engine.start('files.index', {
        root,
        hash,
        output: join(root, `../index-${hash}.jsonl`),
      });
      await finished(engine, job.id);
      expect(await engine.get(job.id)).toMatchObject({
        state: 'succeeded',
        items: { succeeded: 13 },
        summary: { files: 12, dirs: 1, bytes },
        unit: 'bytes',
        progress: { done: bytes, total: bytes, fraction: 1 },
      });
    }
  });
});
