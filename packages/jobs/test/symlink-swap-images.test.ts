// symlink-swap.test.ts's attack on the jobs that read images and write
// beside them or into a target: a folder swapped for a symlink out of the
// root while the job runs. The swap happens as the job starts on a chosen
// file (its process is wrapped), or inside that file's work (at its
// cancellation check, after the file was opened and read), so it lands at the
// same point every run.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, symlinkSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import imageScale from '../src/image-scale.js';
import photoTidy from '../src/photo-tidy.js';
import { type Outcome, runInThread, type TestContext, testContext } from './helpers/context.js';
import { makeImage } from './helpers/images.js';
import { listTree, tempDir } from './helpers/temp.js';

const OLD = new Date('2000-01-01T00:00:00Z');
/** A read refused: the kernel opened something outside. */
const ledOutside = (what: string) =>
  new RegExp(`${what} is no longer where it was when the job started \\(it now leads to .*outside.*\\)`);
/** A write refused: a folder on the way is a symlink now. */
const refused = (what: string) => new RegExp(`${what} is no longer where it was when the job started: `);

/** Every file under `dir` with its bytes' hash and mtime: what "nothing read or written there" leaves. */
function snapshot(dir: string): string[] {
  return readdirSync(dir, { recursive: true })
    .map(String)
    .sort()
    .map((path) => {
      const at = join(dir, path);
      const stats = statSync(at);
      if (stats.isDirectory()) return `${path}/`;
      const sha = createHash('sha256').update(readFileSync(at)).digest('hex');
      return `${path} ${sha} ${stats.mtimeMs}`;
    });
}

/**
 * base/root/{a.jpg, sub/{b.jpg, c.jpg}} and base/outside/{b.jpg, c.jpg}: photos turned by EXIF
 * (orientation 6), with a date taken, modified long ago. `swap(dir)` puts a symlink to outside/
 * where root/<dir> was (moved to <dir>-moved).
 */
async function makePhotos() {
  const base = tempDir();
  const root = join(base, 'root');
  const outside = join(base, 'outside');
  const spec = { width: 600, height: 400, orientation: 6, taken: '2021:03:04 05:06:07' };
  for (const path of [join(root, 'a.jpg'), join(root, 'sub/b.jpg'), join(root, 'sub/c.jpg')]) {
    await makeImage(path, spec);
  }
  for (const name of ['b.jpg', 'c.jpg']) await makeImage(join(outside, name), { ...spec, width: 640 });
  for (const dir of [root, outside]) {
    for (const path of readdirSync(dir, { recursive: true }).map(String)) {
      if (path.endsWith('.jpg')) utimesSync(join(dir, path), OLD, OLD);
    }
  }
  const swap = (parent: string, name: string) => () => {
    renameSync(join(parent, name), join(parent, `${name}-moved`));
    symlinkSync(outside, join(parent, name));
  };
  return { base, root, outside, outsideBefore: snapshot(outside), swap };
}

/** The job, with `swap` run once as its process starts on `path`. */
function swappingAt<Def extends { process?: (...args: never[]) => unknown }>(
  definition: Def,
  path: string,
  swap: () => void,
): Def {
  let swapped = false;
  const process = definition.process as unknown as (item: { path: string }, ...rest: unknown[]) => unknown;
  return {
    ...definition,
    process: (item: { path: string }, ...rest: unknown[]) => {
      if (!swapped && item.path === path) {
        swapped = true;
        swap();
      }
      return process(item, ...rest);
    },
  };
}

/** A context that runs `swap` at the first cancellation check after `calls` checks. */
function swappingAtCheck(calls: number, swap: () => void): TestContext {
  const ctx = testContext();
  let seen = 0;
  const throwIfCancelled = ctx.throwIfCancelled;
  return {
    ...ctx,
    throwIfCancelled: () => {
      if (++seen === calls + 1) swap();
      throwIfCancelled();
    },
  };
}

const failures = (outcomes: Outcome<unknown>[]) =>
  outcomes.flatMap((o) =>
    o.outcome === 'failed' ? [{ path: (o.item as { path: string }).path, reason: o.error.message }] : [],
  );

describe('image.scale with a folder swapped for a symlink out of the root mid-run', () => {
  it('reads no image outside the source: what the swapped folder held fails, nothing of outside is written', async () => {
    const photos = await makePhotos();
    const target = join(photos.base, 'target');

    const { summary, outcomes } = await runInThread(
      swappingAt(imageScale, 'sub/b.jpg', photos.swap(photos.root, 'sub')),
      { source: photos.root, target, size: 200 },
    );

    expect(summary).toMatchObject({ todo: 3, scaled: 1, failed: 2 });
    expect(failures(outcomes).map((f) => f.path)).toEqual(['sub/b.jpg', 'sub/c.jpg']);
    for (const { reason } of failures(outcomes)) expect(reason).toMatch(ledOutside('.*/root/sub/[bc].jpg'));
    expect(await listTree(target)).toEqual(['a.jpg']);
    expect(snapshot(photos.outside)).toEqual(photos.outsideBefore);
  });

  it('writes no output through a target folder swapped for a symlink after the source was read', async () => {
    const photos = await makePhotos();
    const target = join(photos.base, 'target');
    // A folder of the target a previous run made: swapped while sub/b.jpg is being scaled.
    mkdirSync(join(target, 'sub'), { recursive: true });
    // One check per image before its read: a.jpg's, then sub/b.jpg's.
    const ctx = swappingAtCheck(1, photos.swap(target, 'sub'));

    const { summary, outcomes } = await runInThread(
      imageScale,
      { source: photos.root, target, size: 200 },
      ctx,
    );

    expect(summary).toMatchObject({ todo: 3, scaled: 1, failed: 2 });
    for (const { reason } of failures(outcomes)) expect(reason).toMatch(refused('.*/target/sub'));
    expect(snapshot(photos.outside)).toEqual(photos.outsideBefore);
    expect(readdirSync(join(target, 'sub-moved'))).toEqual([]);
    expect(readdirSync(target).sort()).toEqual(['a.jpg', 'sub', 'sub-moved']);
  });
});

describe('photo.tidy with a folder swapped for a symlink out of the root mid-run', () => {
  const input = (folder: string) => ({ folder, rename: '{YYYY}{MM}{DD}' });

  it('reads, rotates, dates and renames nothing outside the folder', async () => {
    const photos = await makePhotos();

    const { summary, outcomes } = await runInThread(
      swappingAt(photoTidy, 'sub/b.jpg', photos.swap(photos.root, 'sub')),
      input(photos.root),
    );

    expect(summary).toMatchObject({ photos: 3, rotated: 1, dated: 1, renamed: 1, failed: 2 });
    expect(failures(outcomes).map((f) => f.path)).toEqual(['sub/b.jpg', 'sub/c.jpg']);
    for (const { reason } of failures(outcomes)) expect(reason).toMatch(ledOutside('.*/root/sub/[bc].jpg'));
    expect(snapshot(photos.outside)).toEqual(photos.outsideBefore);
    expect(readdirSync(photos.root).sort()).toEqual(['20210304.jpg', 'sub', 'sub-moved']);
    expect(readdirSync(join(photos.root, 'sub-moved')).sort()).toEqual(['b.jpg', 'c.jpg']);
  });

  it('writes no rotated photo through its folder swapped for a symlink after the photo was read', async () => {
    const photos = await makePhotos();
    // a.jpg's three checks (before its rotation, its write, its rename), then sub/b.jpg's first.
    const ctx = swappingAtCheck(3, photos.swap(photos.root, 'sub'));

    const { outcomes } = await runInThread(photoTidy, input(photos.root), ctx);

    const failed = failures(outcomes);
    expect(failed.map((f) => f.path)).toEqual(['sub/b.jpg', 'sub/c.jpg']);
    // b.jpg was open and read when its folder went: its copy is refused at the write.
    expect(failed[0]!.reason).toMatch(refused('.*/root/sub'));
    expect(failed[1]!.reason).toMatch(ledOutside('.*/root/sub/c.jpg'));
    expect(snapshot(photos.outside)).toEqual(photos.outsideBefore);
    expect(readdirSync(join(photos.root, 'sub-moved')).sort()).toEqual(['b.jpg', 'c.jpg']);
  });
});
