// photo.tidy: for a folder of photos, rotates each to its EXIF orientation
// (and resets the tag), sets the file's mtime to when it was taken, and
// optionally renames it by date. Every step is atomic on its own, so a photo
// cut short by a cancel is left in a consistent state and a rerun finishes it.
import { chmod, stat, utimes } from 'node:fs/promises';
import { basename, extname, join, relative, resolve } from 'node:path';
import { defineJob, type JobContext, writeFileAtomic, z } from '@threadline/core/job';
import { loadExifr, loadSharp } from './lib/lazy-imports.js';
import { checkRenamePattern, parseExifDate, renderName, type TakenAt } from './lib/photo-date.js';
import { renameExclusive, splitName } from './lib/rename-exclusive.js';
import { type TreeItem, throwIfProblem, treeItems } from './lib/tree-items.js';
import { capList } from './lib/units.js';

// Formats that carry EXIF and that sharp can write back.
const PHOTO_EXTENSIONS = new Set(['.jpg', '.jpeg', '.tif', '.tiff', '.webp', '.png']);

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
    const { path } = item;
    const folder = resolve(options.folder);
    let file = join(folder, path);
    const tags = await readTags(file);
    if (!tags) return { path, noExif: true };
    const taken = parseExifDate(
      tags.DateTimeOriginal ?? tags.CreateDate,
      tags.OffsetTimeOriginal ?? tags.OffsetTime,
    );
    const orientation = typeof tags.Orientation === 'number' ? tags.Orientation : 1;
    const result: Result = { path, ...(taken ? { takenAt: taken.date.toISOString() } : {}) };
    const stats = await stat(file);

    if (options.rotate && orientation > 1 && orientation <= 8) {
      result.rotated = orientation;
      ctx.throwIfCancelled();
      if (!options.dryRun) await rotateInPlace(file, stats, options, taken, ctx);
    }
    if (options.setMtime && taken && Math.abs(stats.mtime.getTime() - taken.date.getTime()) >= 1000) {
      result.mtimeSet = true;
      // Already set on the rotated copy before it replaced the original; a rotated file needs no second write.
      if (!options.dryRun && !result.rotated) await utimes(file, stats.atime, taken.date);
    }
    if (options.rename && taken) {
      const { name, ext } = splitName(file);
      const base = renderName(options.rename, taken, name);
      if (`${base}${ext}` !== basename(file)) {
        ctx.throwIfCancelled();
        if (options.dryRun) result.renamedTo = relative(folder, join(file, '..', `${base}${ext}`));
        else {
          const renamed = await renameExclusive(file, base, ext);
          if (renamed !== file) result.renamedTo = relative(folder, renamed);
          file = renamed;
        }
      }
    }
    return result;
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
      failed,
      cancelled,
    };
    if (!options.dryRun) return summary;
    // A dry run exists to show the plan: list it (capped, since summaries are stored and sent to every UI).
    const { list, more } = capList(results.filter(changed), 500);
    return { ...summary, plan: list, morePlanned: more };
  },
});

interface Tags {
  Orientation?: unknown;
  DateTimeOriginal?: unknown;
  CreateDate?: unknown;
  OffsetTimeOriginal?: unknown;
  OffsetTime?: unknown;
}

async function readTags(file: string): Promise<Tags | undefined> {
  const exifr = await loadExifr();
  try {
    // Raw values: dates as the camera wrote them (parsed with their offset below), orientation as a number.
    const tags = (await exifr.parse(file, {
      pick: ['Orientation', 'DateTimeOriginal', 'CreateDate', 'OffsetTimeOriginal', 'OffsetTime'],
      translateValues: false,
      reviveValues: false,
    })) as Tags | undefined;
    return tags && Object.keys(tags).length > 0 ? tags : undefined;
  } catch (error) {
    throw new Error(`cannot read EXIF: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Replaces the photo with its rotated version: the original's permissions, and the right mtime, before the rename. */
async function rotateInPlace(
  file: string,
  stats: { mode: number; atime: Date; mtime: Date },
  options: Input,
  taken: TakenAt | undefined,
  ctx: JobContext,
): Promise<void> {
  const sharp = await loadSharp();
  const { format } = await sharp(file).metadata();
  if (format !== 'jpeg' && format !== 'png' && format !== 'webp' && format !== 'tiff') {
    throw new Error(`cannot rotate ${format ?? 'unknown'} images`);
  }
  const lossy = format === 'jpeg' || format === 'webp';
  const mtime = options.setMtime && taken ? taken.date : stats.mtime;
  await writeFileAtomic(file, async (temp) => {
    await sharp(file)
      .rotate() // applies the orientation and removes the tag; keepExif keeps the rest (the date taken)
      .keepExif()
      .keepIccProfile()
      .toFormat(format, lossy ? { quality: options.quality } : {})
      .toFile(temp);
    ctx.throwIfCancelled();
    await chmod(temp, stats.mode & 0o7777);
    await utimes(temp, stats.atime, mtime);
  });
}
