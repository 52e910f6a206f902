// photo.tidy: for a folder of photos, rotates each to its EXIF orientation
// (and resets the tag), sets the file's mtime to when it was taken, and
// optionally renames it by date. Every step is atomic on its own, so a photo
// cut short by a cancel is left in a consistent state and a rerun finishes it.

import { fchmodSync, fsyncSync, futimesSync, writeFileSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { basename, extname, posix, resolve } from 'node:path';
import { atomicTempPath, defineJob, type JobContext, z } from '@threadline/core/job';
import { openFileConfined, writeFileConfinedSync } from './lib/confined.js';
import { PhotoError } from './lib/exif-tiff.js';
import { rebuildJpeg } from './lib/jpeg-rewrite.js';
import { loadSharp } from './lib/lazy-imports.js';
import { checkRenamePattern, parseExifDate, renderName, type TakenAt } from './lib/photo-date.js';
import { type PhotoMetadata, parseExifBuffer, readPhotoMetadata } from './lib/photo-metadata.js';
import { renameExclusive, splitName } from './lib/rename-exclusive.js';
import { type TreeFile, type TreeItem, throwIfProblem, treeItems } from './lib/tree-items.js';
import { capList } from './lib/units.js';

// Formats that carry EXIF. sharp writes back all but HEIF, whose dates are read (from the EXIF item sharp extracts).
const PHOTO_EXTENSIONS = new Set([
  '.jpg',
  '.jpeg',
  '.tif',
  '.tiff',
  '.webp',
  '.png',
  '.heic',
  '.heif',
  '.avif',
]);

const input = z.object({
  folder: z.string().min(1).describe('Folder of photos'),
  recursive: z.boolean().default(true).describe('Include photos in subfolders'),
  rotate: z.boolean().default(true).describe('Rotate photos to their EXIF orientation (and reset the tag)'),
  setMtime: z.boolean().default(true).describe("Set each file's modified time to when the photo was taken"),
  rename: z
    .string()
    .optional()
    .superRefine((pattern, ctx) => {
      const problem = pattern === undefined ? undefined : checkRenamePattern(pattern);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .describe('Rename by date, e.g. "{YYYY}-{MM}-{DD} {hh}.{mm}.{ss}" (tokens: YYYY MM DD hh mm ss name)'),
  quality: z.number().int().min(1).max(100).default(92).describe('JPEG/WebP quality for rotated photos'),
  dryRun: z.boolean().default(false).describe('Only report what would change; touch nothing'),
});
type Input = z.infer<typeof input>;

interface Result {
  path: string;
  /** The EXIF orientation that was (or would be) applied. */
  rotated?: number;
  /** When the photo was taken (ISO), if EXIF says. */
  takenAt?: string;
  mtimeSet?: boolean;
  renamedTo?: string;
  noExif?: boolean;
  /** Why a photo that needs turning was not turned. */
  rotationSkipped?: string;
}

export default defineJob({
  name: 'photo.tidy',
  title: 'Tidy photos',
  description:
    'Rotates photos to their EXIF orientation, sets file dates from EXIF, and optionally renames them by date.',
  input,
  unit: 'photos',
  items: (options: Input, { signal }) =>
    treeItems(resolve(options.folder), (path) => PHOTO_EXTENSIONS.has(extname(path).toLowerCase()), {
      recursive: options.recursive,
      signal,
    }),
  process: async (item: TreeItem, ctx, options: Input): Promise<Result> => {
    throwIfProblem(item);
    // Opened where the walk found it, and only there; its mtime is set through this descriptor.
    const handle = await openFileConfined(item.real);
    try {
      return await tidy(handle, item, ctx, options);
    } finally {
      await handle.close();
    }
  },
  summarize: (results, { input: options, total, failed, cancelled }) => {
    const count = (test: (result: Result) => boolean) => results.filter(test).length;
    const changed = (result: Result) => Boolean(result.rotated || result.mtimeSet || result.renamedTo);
    const summary = {
      dryRun: options.dryRun,
      photos: total,
      rotated: count((result) => result.rotated !== undefined),
      dated: count((result) => result.mtimeSet === true),
      renamed: count((result) => result.renamedTo !== undefined),
      unchanged: count((result) => !changed(result)),
      withoutExif: count((result) => result.noExif === true),
      withoutDate: count((result) => !result.noExif && result.takenAt === undefined),
      // Every photo without a date (with EXIF or without), by name: left for a person, never given one guessed.
      undated: capList(results.filter((result) => result.takenAt === undefined).map((result) => result.path))
        .list,
      notRotated: capList(
        results.flatMap((result) =>
          result.rotationSkipped ? [{ path: result.path, reason: result.rotationSkipped }] : [],
        ),
      ).list,
      failed,
      cancelled,
    };
    if (!options.dryRun) return summary;
    // A dry run exists to show the plan: list it (capped, since summaries are stored and sent to every UI).
    const { list, more } = capList(results.filter(changed), 500);
    return { ...summary, plan: list, morePlanned: more };
  },
});

/** Rotates, dates and renames the photo open on `handle`, as the options say. */
async function tidy(
  handle: FileHandle,
  { path, real }: TreeFile,
  ctx: JobContext,
  options: Input,
): Promise<Result> {
  // The whole file: EXIF can sit anywhere its format allows, and a rotation needs the bytes anyway.
  const bytes = await handle.readFile();
  const meta = await readMetadata(bytes);
  const tags = meta.exif?.tags;
  if (!tags) return { path, noExif: true };
  const taken =
    parseExifDate(tags.dateTimeOriginal, tags.offsetTimeOriginal ?? tags.offsetTime) ??
    parseExifDate(tags.createDate, tags.offsetTimeDigitized ?? tags.offsetTime);
  // HEIF shows its images turned by the container's own transforms (irot, imir); its EXIF tag is not applied.
  const orientation = meta.format === 'heif' ? 1 : (tags.orientation ?? 1);
  const result: Result = { path, ...(taken ? { takenAt: taken.date.toISOString() } : {}) };
  const stats = await handle.stat();

  if (
    options.rotate &&
    orientation > 1 &&
    orientation <= 8 &&
    meta.format === 'tiff' &&
    meta.exif?.hasExifIfd
  ) {
    // libvips writes no EXIF IFD into a TIFF: rotating would lose the date taken and the rest of the EXIF.
    result.rotationSkipped = `orientation ${orientation} left as it is: rewriting a TIFF would drop its EXIF`;
  } else if (options.rotate && orientation > 1 && orientation <= 8) {
    result.rotated = orientation;
    ctx.throwIfCancelled();
    if (!options.dryRun) await rotateInPlace(real, bytes, meta, orientation, stats, options, taken, ctx);
  }
  if (options.setMtime && taken && Math.abs(stats.mtime.getTime() - taken.date.getTime()) >= 1000) {
    result.mtimeSet = true;
    // Already set on the rotated copy before it replaced the original; a rotated file needs no second write.
    if (!options.dryRun && !result.rotated) await handle.utimes(stats.atime, taken.date);
  }
  if (options.rename && taken) {
    const { name, ext } = splitName(real);
    const base = renderName(options.rename, taken, name);
    // Beside the photo, as the walk named its folder (`/`-separated).
    const beside = (file: string) => posix.join(posix.dirname(path), basename(file));
    if (`${base}${ext}` !== basename(real)) {
      ctx.throwIfCancelled();
      if (options.dryRun) result.renamedTo = beside(`${base}${ext}`);
      else {
        const renamed = await renameExclusive(real, base, ext);
        if (renamed !== real) result.renamedTo = beside(renamed);
      }
    }
  }
  return result;
}

/** Format and EXIF from the file's bytes; HEIF's EXIF item as sharp extracts it. Damage is a reason, not a guess. */
async function readMetadata(bytes: Buffer): Promise<PhotoMetadata> {
  let meta: PhotoMetadata;
  try {
    meta = readPhotoMetadata(bytes);
  } catch (error) {
    if (error instanceof PhotoError && !error.message.startsWith('not a ')) throw error;
    throw new Error(`cannot read EXIF: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (meta.format !== 'heif') return meta;
  const sharp = await loadSharp();
  const { exif } = await sharp(bytes)
    .metadata()
    .catch((error: Error) => {
      throw new Error(`cannot read HEIF metadata: ${error.message}`);
    });
  const block = exif ? parseExifBuffer(exif) : undefined;
  return { ...meta, ...(block ? { exif: block } : {}) };
}

/** sharp's operations that turn a photo stored with this EXIF orientation upright (sharp rotates, then mirrors). */
const UPRIGHT: Record<number, { angle: number; flop: boolean }> = {
  2: { angle: 0, flop: true },
  3: { angle: 180, flop: false },
  4: { angle: 180, flop: true },
  5: { angle: 270, flop: true },
  6: { angle: 90, flop: false },
  7: { angle: 90, flop: true },
  8: { angle: 270, flop: false },
};

/** Replaces the photo with its upright version: the original's permissions, and the right mtime, before the rename. */
async function rotateInPlace(
  file: string,
  bytes: Buffer,
  meta: PhotoMetadata,
  orientation: number,
  stats: { mode: number; atime: Date; mtime: Date },
  options: Input,
  taken: TakenAt | undefined,
  ctx: JobContext,
): Promise<void> {
  const { format } = meta;
  if (format === 'heif') throw new Error('cannot rotate HEIF images');
  const sharp = await loadSharp();
  const { angle, flop } = UPRIGHT[orientation]!;
  // The orientation read here, applied explicitly: not whatever the decoder finds on its own.
  let image = sharp(bytes).rotate(angle);
  if (flop) image = image.flop();
  let output: Buffer;
  try {
    if (format === 'jpeg') {
      // Pixels in the original's colour space (its ICC profile goes back in with the rest of its metadata).
      const encoded = await image.keepIccProfile().jpeg({ quality: options.quality }).toBuffer();
      output = rebuildJpeg(bytes, meta, encoded, orientation);
    } else {
      output = await image
        .withMetadata({ orientation: 1 })
        .toFormat(format, format === 'webp' ? { quality: options.quality } : {})
        .toBuffer();
    }
  } catch (error) {
    throw new Error(
      `cannot decode the ${format.toUpperCase()} image: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  ctx.throwIfCancelled();
  const mtime = options.setMtime && taken ? taken.date : stats.mtime;
  // Through the photo's folder opened without following a symlink, under a journaled temporary name.
  writeFileConfinedSync(file, atomicTempPath(file), (fd) => {
    writeFileSync(fd, output);
    fchmodSync(fd, stats.mode & 0o7777);
    futimesSync(fd, stats.atime, mtime);
    fsyncSync(fd);
  });
}
