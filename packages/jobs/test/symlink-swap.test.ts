// A folder swapped for a symlink while a job runs over its tree (the TOCTOU
// a path check at start cannot see): the job reads and writes nothing outside
// its root. The swap happens in the job's own progress report for a file, so
// it lands between the walk and the read of that file, at the same point
// every run.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import filesChecksum from '../src/files-checksum.js';
import filesIndex, { type IndexLine } from '../src/files-index.js';
import { runInThread, testContext } from './helpers/context.js';
import { tempDir } from './helpers/temp.js';

const sha = (data: string) => createHash('sha256').update(data).digest('hex');

/** root/{a.txt, sub/{f1,f2,f3}.txt, sub/zdeeper/f4.txt}, and outside/ with the same names, holding secrets. */
function makeTrees() {
  const base = tempDir();
  const root = join(base, 'root');
  const outside = join(base, 'outside');
  for (const dir of [root, outside]) {
    mkdirSync(join(dir === root ? join(root, 'sub') : outside, 'zdeeper'), { recursive: true });
  }
  writeFileSync(join(root, 'a.txt'), 'inside a');
  const secrets: string[] = [];
  for (const name of ['f1.txt', 'f2.txt', 'f3.txt', 'zdeeper/f4.txt']) {
    writeFileSync(join(root, 'sub', name), `inside ${name}`);
    const secret = `SECRET ${name}`;
    writeFileSync(join(outside, name), secret);
    secrets.push(sha(secret));
  }
  const tree = (dir: string) => readdirSync(dir, { recursive: true }).map(String).sort();
  const outsideBefore = tree(outside);
  /** Moves root/sub away and puts a symlink to outside/ in its place. */
  const swap = () => {
    renameSync(join(root, 'sub'), join(root, 'sub-moved'));
    symlinkSync(outside, join(root, 'sub'));
  };
  return { base, root, outside, secrets, swap, outsideUnchanged: () => tree(outside), outsideBefore };
}

/** A context that swaps, once, as the job starts on `path`. */
function swapAt(path: string, swap: () => void) {
  let swapped = false;
  return testContext((_done, _total, message) => {
    if (!swapped && message?.startsWith(path)) {
      swapped = true;
      swap();
    }
  });
}

const changed = /no longer where it was when the job started \(it now leads to .*outside.*\)/;

describe('a folder swapped for a symlink out of the root mid-run', () => {
  it('files.checksum hashes nothing outside the root: the swapped folder and what was listed in it are problems', async () => {
    const trees = makeTrees();

    const { summary } = await runInThread(
      filesChecksum,
      { root: trees.root },
      swapAt('sub/f1.txt', trees.swap),
    );

    const manifest = readFileSync(join(trees.root, 'SHA256SUMS'), 'utf8');
    expect(manifest).toBe(`${sha('inside a')}  a.txt\n`);
    for (const secret of trees.secrets) expect(manifest).not.toContain(secret);
    expect(summary).toMatchObject({ files: 1, problems: 4 });
    const problems = (summary as { problemList: { path: string; reason: string }[] }).problemList;
    expect(problems.map((p) => p.path).sort()).toEqual([
      'sub/f1.txt',
      'sub/f2.txt',
      'sub/f3.txt',
      'sub/zdeeper',
    ]);
    for (const problem of problems) expect(problem.reason).toMatch(changed);
    expect(trees.outsideUnchanged()).toEqual(trees.outsideBefore);
  });

  it('files.index with hash lists and hashes nothing outside the root', async () => {
    const trees = makeTrees();
    const output = join(trees.root, '.index.jsonl');

    const { summary } = await runInThread(
      filesIndex,
      { root: trees.root, hash: true },
      swapAt('sub/f1.txt', trees.swap),
    );

    const text = readFileSync(output, 'utf8');
    for (const secret of trees.secrets) expect(text).not.toContain(secret);
    const lines = text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as IndexLine);
    expect(lines.map((line) => [line.path, line.sha256 ?? null])).toEqual([
      ['a.txt', sha('inside a')],
      ['sub', null],
      // Listed (as a folder, from inside) before the swap; what is in it now is not listed.
      ['sub/zdeeper', null],
    ]);
    const problems = (summary as { problemList: { path: string; reason: string }[] }).problemList;
    expect(problems.map((p) => p.path).sort()).toEqual([
      'sub/f1.txt',
      'sub/f2.txt',
      'sub/f3.txt',
      'sub/zdeeper',
    ]);
    for (const problem of problems) expect(problem.reason).toMatch(changed);
    expect(trees.outsideUnchanged()).toEqual(trees.outsideBefore);
  });

  it('creates a missing output folder on the way, and writes the index there', async () => {
    const trees = makeTrees();
    const output = join(trees.base, 'new', 'deeper', 'index.jsonl');

    await runInThread(filesIndex, { root: trees.root, output });

    expect(readFileSync(output, 'utf8').split('\n').filter(Boolean)).toHaveLength(7);
    expect(readdirSync(join(trees.base, 'new', 'deeper'))).toEqual(['index.jsonl']);
  });

  it('writes no index through an output folder swapped for a symlink: refused, nothing written outside', async () => {
    const trees = makeTrees();
    mkdirSync(join(trees.root, 'out'));
    const outsideOut = join(trees.base, 'outside-out');
    mkdirSync(outsideOut);
    const swapOut = () => {
      renameSync(join(trees.root, 'out'), join(trees.root, 'out-moved'));
      symlinkSync(outsideOut, join(trees.root, 'out'));
    };

    await expect(
      runInThread(
        filesIndex,
        { root: trees.root, hash: true, output: join(trees.root, 'out', 'index.jsonl') },
        swapAt('a.txt', swapOut),
      ),
    ).rejects.toThrow(/out is no longer where it was when the job started/);

    expect(readdirSync(outsideOut)).toEqual([]);
    expect(readdirSync(join(trees.root, 'out-moved'))).toEqual([]);
  });
});
