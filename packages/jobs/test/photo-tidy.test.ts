import { createHash } from 'node:crypto';
import { readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import exifr from 'exifr';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { TreeItem } from '../src/lib/tree-items.js';
import photoTidy from '../src/photo-tidy.js';
import { runInThread, testContext } from './helpers/context.js';
import { makeImage, pixel } from './helpers/images.js';
import { listTree, tempDir, tempFilesIn } from './helpers/temp.js';

const OLD = new Date('2000-01-01T00:00:00Z');
const sha256 = async (path: string) =>
  createHash('sha256')
    .update(await readFile(path))
    .digest('hex');

describe('photo.tidy', () => {
  it('rotates to the EXIF orientation, resets the tag, keeps the date tag, and sets mtime', async () => {
    const folder = tempDir();
    const file = join(folder, 'IMG_0001.jpg');
    await makeImage(file, { width: 60, height: 40, orientation: 6, taken: '2021:03:04 05:06:07' });
    await utimes(file, OLD, OLD);

    const { summary } = await runInThread(photoTidy, { folder });

    expect(summary).toMatchObject({ photos: 1, rotated: 1, dated: 1, renamed: 0, failed: 0 });
    const meta = await sharp(file).metadata();
    expect([meta.width, meta.height, meta.orientation]).toEqual([40, 60, 1]);
    // The red top-left quarter is now at the top right, as a viewer showed it before.
    expect((await pixel(file, 35, 5))[0]).toBeGreaterThan(200);
    const tags = await exifr.parse(file, {
      pick: ['Orientation', 'DateTimeOriginal'],
      reviveValues: false,
      translateValues: false,
    });
    expect(tags).toEqual({ Orientation: 1, DateTimeOriginal: '2021:03:04 05:06:07' });
    // No offset in EXIF: the camera's wall clock, read as local time.
    expect((await stat(file)).mtime.getTime()).toBe(new Date(2021, 2, 4, 5, 6, 7).getTime());
    expect(await tempFilesIn(folder)).toEqual([]);
  });

  it('honours OffsetTimeOriginal when the camera wrote one', async () => {
    const folder = tempDir();
    const file = join(folder, 'a.jpg');
    await makeImage(file, { width: 20, height: 20, taken: '2022:07:01 12:00:00', offset: '+02:00' });
    await runInThread(photoTidy, { folder });
    expect((await stat(file)).mtime.toISOString()).toBe('2022-07-01T10:00:00.000Z');
  });

  it('renames by a date pattern, never replacing another photo taken in the same second', async () => {
    const folder = tempDir();
    for (const name of ['a.jpg', 'b.jpg']) {
      await makeImage(join(folder, name), { width: 20, height: 20, taken: '2021:03:04 05:06:07' });
    }
    await makeImage(join(folder, 'sub/c.JPG'), { width: 20, height: 20, taken: '2019:12:31 23:59:58' });
    const input = { folder, rename: '{YYYY}-{MM}-{DD} {hh}.{mm}.{ss}' };
    const ctx = testContext();
    const items: TreeItem[] = [];
    for await (const item of photoTidy.items!(photoTidy.input.parse(input), { signal: ctx.signal }))
      items.push(item);
    // Both photos at once, as two workers would: link(2) lets exactly one have the name.
    const options = photoTidy.input.parse(input);
    const results = await Promise.all(items.map((item) => photoTidy.process!(item, ctx, options)));

    expect(results.map((result) => result.renamedTo).sort()).toEqual([
      '2021-03-04 05.06.07-2.jpg',
      '2021-03-04 05.06.07.jpg',
      'sub/2019-12-31 23.59.58.JPG',
    ]);
    expect(await listTree(folder)).toEqual([
      '2021-03-04 05.06.07-2.jpg',
      '2021-03-04 05.06.07.jpg',
      'sub',
      'sub/2019-12-31 23.59.58.JPG',
    ]);
  });

  it('changes nothing on a second run', async () => {
    const folder = tempDir();
    for (const name of ['a.jpg', 'b.jpg']) {
      await makeImage(join(folder, name), {
        width: 30,
        height: 20,
        orientation: 3,
        taken: '2021:03:04 05:06:07',
      });
    }
    const input = { folder, rename: '{YYYY}{MM}{DD}_{hh}{mm}{ss}' };
    await runInThread(photoTidy, input);
    const before = await listTree(folder);
    const hashes = await Promise.all(before.map((name) => sha256(join(folder, name))));

    const { summary } = await runInThread(photoTidy, input);

    expect(summary).toMatchObject({ photos: 2, rotated: 0, dated: 0, renamed: 0, unchanged: 2 });
    expect(await listTree(folder)).toEqual(before);
    expect(await Promise.all(before.map((name) => sha256(join(folder, name))))).toEqual(hashes);
  });

  it('in a dry run reports the plan and touches nothing', async () => {
    const folder = tempDir();
    const file = join(folder, 'IMG_1.jpg');
    await makeImage(file, { width: 30, height: 20, orientation: 8, taken: '2020:02:02 02:02:02' });
    await utimes(file, OLD, OLD);
    const hash = await sha256(file);

    const { summary } = await runInThread(photoTidy, {
      folder,
      dryRun: true,
      rename: '{YYYY}-{MM}-{DD}_{name}',
    });

    expect(summary).toMatchObject({
      dryRun: true,
      rotated: 1,
      dated: 1,
      renamed: 1,
      plan: [
        {
          path: 'IMG_1.jpg',
          rotated: 8,
          mtimeSet: true,
          renamedTo: '2020-02-02_IMG_1.jpg',
          takenAt: new Date(2020, 1, 2, 2, 2, 2).toISOString(),
        },
      ],
    });
    expect(await listTree(folder)).toEqual(['IMG_1.jpg']);
    expect(await sha256(file)).toBe(hash);
    expect((await stat(file)).mtime.getTime()).toBe(OLD.getTime());
  });

  it('leaves photos without EXIF alone and fails files that are not images', async () => {
    const folder = tempDir();
    await makeImage(join(folder, 'plain.png'), { width: 10, height: 10, format: 'png' });
    await writeFile(join(folder, 'fake.jpg'), 'not a photo');

    const { summary, outcomes } = await runInThread(photoTidy, { folder, rename: '{YYYY}' });

    expect(summary).toMatchObject({ photos: 2, withoutExif: 1, unchanged: 1, failed: 1 });
    const failure = outcomes.find((o) => o.outcome === 'failed');
    expect(failure && 'error' in failure ? failure.error.message : '').toMatch(/^cannot read EXIF/);
  });

  it('rejects a rename pattern that would move files or name them all the same', () => {
    expect(photoTidy.input.safeParse({ folder: '.', rename: '{YYYY}/{name}' }).success).toBe(false);
    expect(photoTidy.input.safeParse({ folder: '.', rename: 'photo' }).success).toBe(false);
    expect(photoTidy.input.safeParse({ folder: '.', rename: '{year}' }).success).toBe(false);
    expect(photoTidy.input.safeParse({ folder: '.', rename: '{YYYY}-{MM}' }).success).toBe(true);
  });
});
