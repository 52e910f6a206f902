// photo.tidy on photos laid out as cameras and editors write them (see
// helpers/camera-jpeg.ts): EXIF after JFIF, ICC, XMP and IPTC, maker notes,
// both byte orders, all eight orientations in both aspect ratios. Each result
// is compared pixel by pixel with the upright scene, and its tags with exiftool.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { copyFile, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPhotoMetadata } from '../src/lib/photo-metadata.js';
import photoTidy from '../src/photo-tidy.js';
import { cameraJpeg, meanDifference, storedPixels, uprightScene } from './helpers/camera-jpeg.js';
import { runInThread } from './helpers/context.js';
import { exiftool, skipWithoutExiftool } from './helpers/exiftool.js';
import { makeImage } from './helpers/images.js';
import { tempDir, tempFilesIn } from './helpers/temp.js';

const OLD = new Date('2000-01-01T00:00:00Z');
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const errorOf = (outcomes: Awaited<ReturnType<typeof runInThread>>['outcomes'], path: string) => {
  const outcome = outcomes.find((o) => (o.item as { path: string }).path === path);
  return outcome && 'error' in outcome ? outcome.error.message : `not failed: ${JSON.stringify(outcome)}`;
};

/** Decoded as stored (no orientation applied): what a viewer shows once the tag is 1. */
async function decoded(file: string) {
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

interface CorpusFile {
  name: string;
  orientation: number;
  width: number;
  height: number;
  taken: string;
}

/** 16 files: orientations 1–8, landscape and portrait; odd ones big-endian (Nikon-like), some EXIF-first. */
function corpus(): CorpusFile[] {
  return [1, 2, 3, 4, 5, 6, 7, 8].flatMap((orientation) =>
    (['landscape', 'portrait'] as const).map((shape, i) => ({
      name: `o${orientation}-${shape}.jpg`,
      orientation,
      width: shape === 'landscape' ? 64 : 48,
      height: shape === 'landscape' ? 48 : 64,
      taken: `2023:0${orientation}:1${i} 1${orientation}:0${i}:3${orientation}`,
    })),
  );
}

async function writeCorpus(folder: string): Promise<CorpusFile[]> {
  const files = corpus();
  for (const [i, file] of files.entries()) {
    const bytes = await cameraJpeg({
      width: file.width,
      height: file.height,
      orientation: file.orientation,
      littleEndian: file.orientation % 2 === 0,
      layout: i % 4 === 3 ? 'camera' : 'editor',
      dateTimeOriginal: file.taken,
      offsetTimeOriginal: '+02:00',
    });
    await writeFile(join(folder, file.name), bytes);
    await utimes(join(folder, file.name), OLD, OLD);
  }
  return files;
}

describe('the test corpus itself', () => {
  it('stores each orientation so that a reader applying the tag shows the upright scene', async () => {
    for (const o of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const stored = storedPixels(uprightScene(6, 4), 6, 4, o);
      const png = await sharp(stored.pixels, {
        raw: { width: stored.width, height: stored.height, channels: 3 },
      })
        .withMetadata({ orientation: o })
        .png()
        .toBuffer();
      const shown = await sharp(png).rotate().raw().toBuffer();
      expect(shown.equals(uprightScene(6, 4)), `orientation ${o}`).toBe(true);
    }
  });

  it('puts EXIF kilobytes in, after JFIF, ICC, XMP and IPTC, as editors do', async () => {
    const bytes = await cameraJpeg({
      width: 64,
      height: 48,
      orientation: 6,
      dateTimeOriginal: '2023:01:01 00:00:00',
    });
    const at = bytes.indexOf('Exif\0\0');
    expect(at).toBeGreaterThan(8000);
    expect([...bytes.subarray(0, 4)]).toEqual([0xff, 0xd8, 0xff, 0xe0]);
    // A 512-byte peek, as the old reader made, sees no EXIF at all.
    expect(bytes.subarray(0, 512).indexOf('Exif')).toBe(-1);
  });

  it.skipIf(skipWithoutExiftool)('reads as exiftool reads it', async () => {
    const folder = tempDir();
    const files = await writeCorpus(folder);
    const paths = files.map((file) => join(folder, file.name));
    const reference = await exiftool(paths, [
      'Orientation',
      'DateTimeOriginal',
      'OffsetTimeOriginal',
      'Warning',
    ]);
    for (const [i, path] of paths.entries()) {
      const { exif } = readPhotoMetadata(await readFile(path));
      expect(reference[i]).toMatchObject({
        'IFD0:Orientation': exif?.tags.orientation,
        'ExifIFD:DateTimeOriginal': exif?.tags.dateTimeOriginal,
        'ExifIFD:OffsetTimeOriginal': exif?.tags.offsetTimeOriginal,
      });
      expect(reference[i]).not.toHaveProperty('ExifTool:Warning');
    }
  });
});

describe('photo.tidy on camera and editor JPEGs', () => {
  let folder: string;
  let files: CorpusFile[];
  let run: Awaited<ReturnType<typeof runInThread>>;
  beforeAll(async () => {
    // Shared by the tests below (tempDir's folders last one test).
    folder = mkdtempSync(join(tmpdir(), 'threadline-corpus-'));
    files = await writeCorpus(folder);
    run = await runInThread(photoTidy, { folder });
  });
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('turns every orientation upright, landscape and portrait', async () => {
    expect(run.summary).toMatchObject({ photos: 16, rotated: 14, dated: 16, withoutExif: 0, failed: 0 });
    for (const file of files) {
      const result = await decoded(join(folder, file.name));
      expect([result.width, result.height], file.name).toEqual([file.width, file.height]);
      // Encoded twice (chroma blurs the quadrant edges): close to the scene; a wrong turn or mirror is off by ~50+.
      expect(meanDifference(result.data, uprightScene(file.width, file.height)), file.name).toBeLessThan(10);
      const { exif } = readPhotoMetadata(await readFile(join(folder, file.name)));
      expect(exif?.tags, file.name).toMatchObject({ orientation: 1, dateTimeOriginal: file.taken });
    }
    expect(await tempFilesIn(folder)).toEqual([]);
  });

  it('sets each mtime from DateTimeOriginal with its offset', async () => {
    for (const file of files) {
      const [, Y, M, D, h, m, s] = /^(\d+):(\d+):(\d+) (\d+):(\d+):(\d+)$/
        .exec(file.taken)!
        .map(Number) as number[];
      const expected = Date.UTC(Y!, M! - 1, D!, h! - 2, m!, s!);
      expect((await stat(join(folder, file.name))).mtime.getTime(), file.name).toBe(expected);
    }
  });

  it.skipIf(skipWithoutExiftool)(
    'keeps the rest of the metadata as it was: maker notes, XMP, IPTC, ICC, thumbnail',
    async () => {
      const tags = await exiftool(
        files.map((file) => join(folder, file.name)),
        [
          'Orientation',
          'DateTimeOriginal',
          'OwnerName',
          'XMP-tiff:Orientation',
          'XMP-xmp:Rating',
          'Caption-Abstract',
          'ProfileDescription',
          'ThumbnailLength',
          'ExifImageWidth',
          'ExifImageHeight',
          'Warning',
        ],
      );
      for (const [i, file] of files.entries()) {
        expect(tags[i], file.name).toMatchObject({
          'IFD0:Orientation': 1,
          'ExifIFD:DateTimeOriginal': file.taken,
          'Canon:OwnerName': 'Ada Lovelace',
          'XMP-tiff:Orientation': 1,
          'XMP-xmp:Rating': 4,
          'IPTC:Caption-Abstract': 'Sunset over the bay',
          'ExifIFD:ExifImageWidth': file.width,
          'ExifIFD:ExifImageHeight': file.height,
        });
        expect(tags[i]?.['ICC_Profile:ProfileDescription'], file.name).toBeTruthy();
        expect(tags[i]?.['IFD1:ThumbnailLength'], file.name).toBeGreaterThan(0);
        expect(tags[i], file.name).not.toHaveProperty('ExifTool:Warning');
      }
    },
  );

  it('rewrites nothing on a second run', async () => {
    const before = await Promise.all(
      files.map(async (file) => sha256(await readFile(join(folder, file.name)))),
    );
    const again = await runInThread(photoTidy, { folder });
    expect(again.summary).toMatchObject({ photos: 16, rotated: 0, dated: 0, unchanged: 16 });
    const after = await Promise.all(
      files.map(async (file) => sha256(await readFile(join(folder, file.name)))),
    );
    expect(after).toEqual(before);
  });
});

describe('photo.tidy dates', () => {
  it('takes CreateDate when there is no DateTimeOriginal, and reports a photo without a date', async () => {
    const folder = tempDir();
    await writeFile(
      join(folder, 'created.jpg'),
      await cameraJpeg({
        width: 32,
        height: 24,
        createDate: '2019:05:06 07:08:09',
        offsetTimeDigitized: '-05:00',
      }),
    );
    await writeFile(join(folder, 'undated.jpg'), await cameraJpeg({ width: 32, height: 24, orientation: 1 }));
    await writeFile(
      join(folder, 'unset-clock.jpg'),
      await cameraJpeg({ width: 32, height: 24, dateTimeOriginal: '0000:00:00 00:00:00' }),
    );
    for (const name of ['created.jpg', 'undated.jpg', 'unset-clock.jpg'])
      await utimes(join(folder, name), OLD, OLD);

    const { summary } = await runInThread(photoTidy, { folder, rename: '{YYYY}{MM}{DD}-{name}' });

    expect(summary).toMatchObject({
      photos: 3,
      dated: 1,
      renamed: 1,
      withoutDate: 2,
      undated: ['undated.jpg', 'unset-clock.jpg'],
    });
    expect((await stat(join(folder, '20190506-created.jpg'))).mtime.toISOString()).toBe(
      '2019-05-06T12:08:09.000Z',
    );
    expect((await stat(join(folder, 'undated.jpg'))).mtime.getTime()).toBe(OLD.getTime());
    expect((await stat(join(folder, 'unset-clock.jpg'))).mtime.getTime()).toBe(OLD.getTime());
  });
});

describe('photo.tidy on damaged files', () => {
  it('fails truncated and corrupt JPEGs with the reason, and leaves them as they were', async () => {
    const folder = tempDir();
    const good = await cameraJpeg({
      width: 64,
      height: 48,
      orientation: 6,
      dateTimeOriginal: '2023:01:01 00:00:00',
    });
    const exifAt = good.indexOf('Exif\0\0');
    const iccAt = good.indexOf('ICC_PROFILE');
    const exifEnd = exifAt - 2 + good.readUInt16BE(exifAt - 2); // past the thumbnail inside it
    const scanAt = good.indexOf(Buffer.from([0xff, 0xda]), exifEnd);
    const damaged: Record<string, Buffer> = {
      'cut-in-image-data.jpg': good.subarray(0, scanAt + 40),
      'cut-in-icc.jpg': good.subarray(0, iccAt + 100),
      'cut-before-eoi.jpg': good.subarray(0, good.length - 2),
      'garbage-segment.jpg': Buffer.concat([
        good.subarray(0, exifAt - 4),
        Buffer.from('garbage!'),
        good.subarray(exifAt + 4),
      ]),
      'bad-ifd-offset.jpg': (() => {
        const copy = Buffer.from(good);
        copy.writeUInt32LE(0xfffff0, exifAt + 6 + 4); // IFD0 far past the segment
        return copy;
      })(),
    };
    for (const [name, bytes] of Object.entries(damaged)) await writeFile(join(folder, name), bytes);

    const { summary, outcomes } = await runInThread(photoTidy, { folder });

    expect(summary).toMatchObject({ photos: 5, failed: 5, rotated: 0 });
    expect(errorOf(outcomes, 'cut-in-image-data.jpg')).toMatch(
      /^truncated JPEG: inside its image data; the file ends at byte \d+/,
    );
    expect(errorOf(outcomes, 'cut-before-eoi.jpg')).toMatch(/^truncated JPEG: inside its image data/);
    expect(errorOf(outcomes, 'cut-in-icc.jpg')).toMatch(
      /^truncated JPEG: its APP2 segment at byte \d+ declares \d+ bytes/,
    );
    expect(errorOf(outcomes, 'garbage-segment.jpg')).toMatch(
      /^corrupt JPEG: expected a segment marker at byte \d+/,
    );
    expect(errorOf(outcomes, 'bad-ifd-offset.jpg')).toMatch(
      /^corrupt EXIF: IFD0 at offset \d+ is outside the \d+-byte EXIF block/,
    );
    for (const [name, bytes] of Object.entries(damaged)) {
      expect(sha256(await readFile(join(folder, name))), name).toBe(sha256(bytes));
    }
  });

  it('touches nothing in a photo that needs nothing', async () => {
    const folder = tempDir();
    const file = join(folder, 'upright.jpg');
    await writeFile(
      file,
      await cameraJpeg({
        width: 32,
        height: 24,
        orientation: 1,
        dateTimeOriginal: '2020:01:01 10:00:00',
        offsetTimeOriginal: '+00:00',
      }),
    );
    const taken = new Date('2020-01-01T10:00:00Z');
    await utimes(file, taken, taken);
    const before = await stat(file);

    const { summary } = await runInThread(photoTidy, { folder });

    expect(summary).toMatchObject({ unchanged: 1, rotated: 0, dated: 0 });
    const after = await stat(file);
    expect([after.ino, after.mtimeMs, after.ctimeMs]).toEqual([before.ino, before.mtimeMs, before.ctimeMs]);
  });
});

describe('photo.tidy on other formats', () => {
  it.each(['png', 'webp'] as const)('turns a %s with EXIF orientation 6 upright', async (format) => {
    const folder = tempDir();
    const file = join(folder, `photo.${format}`);
    await makeImage(file, { width: 40, height: 20, orientation: 6, taken: '2021:03:04 05:06:07', format });

    const { summary } = await runInThread(photoTidy, { folder });

    expect(summary).toMatchObject({ rotated: 1, withoutExif: 0, failed: 0 });
    const meta = await sharp(file).metadata();
    expect([meta.width, meta.height, meta.orientation ?? 1]).toEqual([20, 40, 1]);
    const { exif } = readPhotoMetadata(await readFile(file));
    expect(exif?.tags).toMatchObject({ orientation: 1, dateTimeOriginal: '2021:03:04 05:06:07' });
  });
});

describe('photo.tidy on HEIF', () => {
  it('dates an AVIF from the EXIF sharp extracts, and leaves its pixels to the container', async () => {
    const folder = tempDir();
    const file = join(folder, 'phone.avif');
    await makeImage(file, {
      width: 40,
      height: 20,
      orientation: 6,
      taken: '2022:08:09 10:11:12',
      offset: '+00:00',
      format: 'avif',
    });
    const before = sha256(await readFile(file));

    const { summary } = await runInThread(photoTidy, { folder });

    expect(summary).toMatchObject({ photos: 1, rotated: 0, dated: 1, withoutExif: 0, failed: 0 });
    expect((await stat(file)).mtime.toISOString()).toBe('2022-08-09T10:11:12.000Z');
    expect(sha256(await readFile(file))).toBe(before);
  });
});

describe('photo.tidy on a real HEVC HEIC', () => {
  it.skipIf(skipWithoutExiftool)(
    'dates it as exiftool reads its EXIF, and leaves the file and its orientation to the container',
    async () => {
      const folder = tempDir();
      const file = join(folder, 'IMG_0001.HEIC');
      await copyFile(new URL('./fixtures/heic/iphone-orientation-6.heic', import.meta.url), file);
      await utimes(file, OLD, OLD);
      const before = sha256(await readFile(file));
      // HEVC indeed: sharp reads its header, as photo.tidy does, not its pixels.
      expect(await sharp(file).metadata()).toMatchObject({ format: 'heif', compression: 'hevc' });
      const [reference] = await exiftool(
        [file],
        ['MajorBrand', 'DateTimeOriginal', 'OffsetTimeOriginal', 'Orientation'],
      );
      expect(reference).toMatchObject({ 'QuickTime:MajorBrand': 'heic', 'IFD0:Orientation': 6 });
      const [date, time] = String(reference!['ExifIFD:DateTimeOriginal']).split(' ');
      const taken = new Date(
        `${date!.replaceAll(':', '-')}T${time}${reference!['ExifIFD:OffsetTimeOriginal']}`,
      );

      const { summary } = await runInThread(photoTidy, { folder });

      expect(summary).toMatchObject({ photos: 1, rotated: 0, dated: 1, withoutExif: 0, failed: 0 });
      expect((await stat(file)).mtime.toISOString()).toBe(taken.toISOString());
      expect(taken.toISOString()).toBe('2022-08-09T08:11:12.000Z');
      expect(sha256(await readFile(file))).toBe(before);
    },
  );
});

describe('photo.tidy on TIFF', () => {
  it.skipIf(skipWithoutExiftool)(
    'does not rewrite a TIFF whose EXIF a rewrite would drop, and says why',
    async () => {
      const folder = tempDir();
      const file = join(folder, 'scan.tif');
      await sharp({ create: { width: 40, height: 20, channels: 3, background: 'red' } })
        .tiff()
        .toFile(file);
      await promisify(execFile)('exiftool', [
        '-q',
        '-overwrite_original',
        '-Orientation#=6',
        '-DateTimeOriginal=2021:01:02 03:04:05',
        file,
      ]);
      const before = sha256(await readFile(file));

      const { summary } = await runInThread(photoTidy, { folder });

      expect(summary).toMatchObject({
        rotated: 0,
        dated: 1,
        notRotated: [{ path: 'scan.tif', reason: expect.stringMatching(/drop its EXIF/) }],
      });
      expect(sha256(await readFile(file))).toBe(before);
    },
  );
});
