import { readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@threadline/core/job';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import imageScale from '../src/image-scale.js';
import { readImageHeader } from '../src/lib/image-header.js';
import { runInThread, testContext } from './helpers/context.js';
import { makeImage, pixel } from './helpers/images.js';
import { listTree, tempDir, tempFilesIn } from './helpers/temp.js';

async function size(path: string) {
  const { width, height, format } = await sharp(path).metadata();
  return { width, height, format };
}

describe('image.scale', () => {
  it('scales large images to fit, copies small ones, and keeps relative paths', async () => {
    const source = tempDir();
    const target = tempDir();
    await makeImage(join(source, 'big.jpg'), { width: 800, height: 400 });
    await makeImage(join(source, 'nested/deeper/tall.png'), { width: 300, height: 900, format: 'png' });
    await makeImage(join(source, 'small.webp'), { width: 120, height: 80, format: 'webp' });
    await writeFile(join(source, 'notes.txt'), 'not an image');

    const { summary } = await runInThread(imageScale, { source, target, size: 200 });

    expect(summary).toEqual({
      todo: 3,
      scaled: 2,
      converted: 0,
      copied: 1,
      skipped: 0,
      failed: 0,
      cancelled: 0,
    });
    expect(await listTree(target)).toEqual([
      'big.jpg',
      'nested',
      'nested/deeper',
      'nested/deeper/tall.png',
      'small.webp',
    ]);
    expect(await size(join(target, 'big.jpg'))).toEqual({ width: 200, height: 100, format: 'jpeg' });
    expect(await size(join(target, 'nested/deeper/tall.png'))).toEqual({
      width: 67,
      height: 200,
      format: 'png',
    });
    expect(await size(join(target, 'small.webp'))).toEqual({ width: 120, height: 80, format: 'webp' });
  });

  it('copies a small image byte for byte and keeps EXIF in a scaled one', async () => {
    const source = tempDir();
    const target = tempDir();
    await makeImage(join(source, 'small.jpg'), { width: 90, height: 60, taken: '2021:03:04 05:06:07' });
    await makeImage(join(source, 'big.jpg'), { width: 900, height: 600, taken: '2022:01:02 03:04:05' });

    const { summary } = await runInThread(imageScale, { source, target, size: 300 });

    expect(summary).toMatchObject({ scaled: 1, copied: 1, failed: 0 });
    expect(await readFile(join(target, 'small.jpg'))).toEqual(await readFile(join(source, 'small.jpg')));
    const exif = (await sharp(join(target, 'big.jpg')).metadata()).exif;
    expect(exif?.includes('2022:01:02 03:04:05')).toBe(true);
    expect(await tempFilesIn(target)).toEqual([]);
  });

  it('skips an output newer than its source without reading the source', async () => {
    const source = tempDir();
    const target = tempDir();
    // Not an image at all: reading it would fail the item.
    await writeFile(join(source, 'a.jpg'), 'not a JPEG');
    await writeFile(join(target, 'a.jpg'), 'an earlier output');
    const past = new Date(Date.now() - 60_000);
    await utimes(join(source, 'a.jpg'), past, past);

    const { summary } = await runInThread(imageScale, { source, target, size: 100 });

    expect(summary).toMatchObject({ todo: 1, skipped: 1, failed: 0 });
  });

  it('reads the format and size of a JPEG or PNG as sharp does, and leaves anything else to sharp', async () => {
    const dir = tempDir();
    const cases: [string, (image: sharp.Sharp) => sharp.Sharp][] = [
      ['plain.jpg', (image) => image.jpeg()],
      ['progressive.jpg', (image) => image.jpeg({ progressive: true })],
      ['exif.jpg', (image) => image.withExif({ IFD0: { Copyright: 'x'.repeat(3000) } }).jpeg()],
      ['icc.jpg', (image) => image.withIccProfile('p3').jpeg()],
      ['image.png', (image) => image.png()],
    ];
    for (const [name, encode] of cases) {
      const bytes = await encode(
        sharp({ create: { width: 321, height: 123, channels: 3, background: { r: 9, g: 99, b: 199 } } }),
      ).toBuffer();
      const { format, width, height } = await sharp(bytes).metadata();
      expect({ name, ...readImageHeader(bytes) }).toEqual({ name, format, width, height });
      await writeFile(join(dir, name), bytes);
    }
    const webp = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } })
      .webp()
      .toBuffer();
    expect(readImageHeader(webp)).toBeUndefined();
    expect(readImageHeader(Buffer.from('this is not a JPEG'))).toBeUndefined();
    const jpeg = await readFile(join(dir, 'exif.jpg'));
    // Cut inside the EXIF segment, before the frame header.
    expect(readImageHeader(jpeg.subarray(0, 200))).toBeUndefined();
  });

  it('writes atomically with blocking calls too, and leaves no temporary file on failure', async () => {
    const dir = tempDir();
    await writeFileAtomic(join(dir, 'a/bytes.bin'), Buffer.from('bytes'), { blocking: true });
    await writeFileAtomic(join(dir, 'a/fn.txt'), (temp) => writeFile(temp, 'written by a function'), {
      blocking: true,
    });
    await expect(
      writeFileAtomic(
        join(dir, 'a/fails.txt'),
        async (temp) => {
          await writeFile(temp, 'half');
          throw new Error('writer failed');
        },
        { blocking: true },
      ),
    ).rejects.toThrow('writer failed');
    expect(await listTree(dir)).toEqual(['a', 'a/bytes.bin', 'a/fn.txt']);
    expect(await readFile(join(dir, 'a/fn.txt'), 'utf8')).toBe('written by a function');
  });

  it('applies the EXIF orientation, so the longest side is measured as a viewer shows it', async () => {
    const source = tempDir();
    const target = tempDir();
    // Stored landscape, shown portrait (orientation 6: rotate 90° clockwise).
    await makeImage(join(source, 'sideways.jpg'), { width: 400, height: 200, orientation: 6 });

    await runInThread(imageScale, { source, target, size: 100 });

    const out = join(target, 'sideways.jpg');
    expect((await sharp(out).metadata()).orientation ?? 1).toBe(1);
    expect(await size(out)).toMatchObject({ width: 50, height: 100 });
    // The red top-left quarter of the stored image is now at the top right.
    expect((await pixel(out, 45, 5))[0]).toBeGreaterThan(200);
    expect((await pixel(out, 5, 95))[2]).toBeGreaterThan(200);
  });

  it('skips outputs newer than their source on a second run, unless told to overwrite', async () => {
    const source = tempDir();
    const target = tempDir();
    await makeImage(join(source, 'a.jpg'), { width: 500, height: 500 });
    await makeImage(join(source, 'b.jpg'), { width: 50, height: 50 });
    await runInThread(imageScale, { source, target, size: 100 });

    const { summary } = await runInThread(imageScale, { source, target, size: 100 });
    expect(summary).toMatchObject({ todo: 2, scaled: 0, copied: 0, skipped: 2 });

    const again = await runInThread(imageScale, { source, target, size: 80, overwrite: true });
    expect(again.summary).toMatchObject({ todo: 2, scaled: 1, copied: 1, skipped: 0 });
    expect(await size(join(target, 'a.jpg'))).toMatchObject({ width: 80, height: 80 });
  });

  it('fails an unreadable image with the reason and goes on with the rest', async () => {
    const source = tempDir();
    const target = tempDir();
    await writeFile(join(source, 'broken.jpg'), 'this is not a JPEG');
    await makeImage(join(source, 'fine.jpg'), { width: 300, height: 300 });

    const { summary, outcomes } = await runInThread(imageScale, { source, target, size: 100 });

    expect(summary).toMatchObject({ todo: 2, scaled: 1, failed: 1 });
    const failure = outcomes.find((o) => o.outcome === 'failed');
    expect(failure && 'error' in failure ? failure.error.message : '').toMatch(
      /cannot read image: .*unsupported image format/,
    );
    expect(await listTree(target)).toEqual(['fine.jpg']);
  });

  it('converts to another format with the matching extension', async () => {
    const source = tempDir();
    const target = tempDir();
    await makeImage(join(source, 'photo.jpg'), { width: 640, height: 480 });
    await makeImage(join(source, 'icon.png'), { width: 32, height: 32, format: 'png' });

    const { summary } = await runInThread(imageScale, {
      source,
      target,
      size: 320,
      format: 'webp',
      quality: 60,
    });

    expect(summary).toMatchObject({ scaled: 1, converted: 1, copied: 0 });
    expect(await size(join(target, 'photo.webp'))).toEqual({ width: 320, height: 240, format: 'webp' });
    expect(await size(join(target, 'icon.webp'))).toEqual({ width: 32, height: 32, format: 'webp' });
  });

  it('does not feed its own outputs back in when the target is inside the source', async () => {
    const source = tempDir();
    await makeImage(join(source, 'a.jpg'), { width: 400, height: 400 });
    const target = join(source, 'scaled');

    await runInThread(imageScale, { source, target, size: 100 });
    const { summary } = await runInThread(imageScale, { source, target, size: 100 });

    expect(summary).toMatchObject({ todo: 1, skipped: 1 });
    expect(await listTree(source)).toEqual(['a.jpg', 'scaled', 'scaled/a.jpg']);
  });

  it('writes nothing for an item cancelled before its expensive step', async () => {
    const source = tempDir();
    const target = tempDir();
    await makeImage(join(source, 'a.jpg'), { width: 2000, height: 1500 });
    const ctx = testContext();
    ctx.cancel();
    const { outcomes } = await runInThread(imageScale, { source, target, size: 1000 }, ctx);
    expect(outcomes.map((o) => o.outcome)).toEqual(['cancelled']);
    expect(await listTree(target)).toEqual([]);
    expect(await tempFilesIn(target)).toEqual([]);
  });
});
