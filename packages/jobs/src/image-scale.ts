// image.scale: every image under `source`, scaled so its longest side is at
// most `size`, into `target` at the same relative path. CPU-bound work in
// libvips, one image per item, so images fan out across the pool.
import {
  closeSync,
  fstatSync,
  fsyncSync,
  lstatSync,
  readFileSync,
  readSync,
  type Stats,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { atomicTempPath, defineJob, type JobContext, z } from '@threadline/core/job';
import type { Metadata } from 'sharp';
import {
  openFileConfinedSync,
  realLocation,
  reopenPath,
  withFolderNoFollowSync,
  writeFileConfinedSync,
} from './lib/confined.js';
import { readImageHeader } from './lib/image-header.js';
import { loadSharp } from './lib/lazy-imports.js';
import { type TreeFile, type TreeProblem, throwIfProblem, treeItems } from './lib/tree-items.js';
import { isInside } from './lib/walk.js';

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.avif', '.tif', '.tiff', '.gif']);
const FORMATS = ['same', 'jpeg', 'png', 'webp', 'avif'] as const;
/** Files up to this size are read into memory whole; larger ones are read by libvips from the file. */
const READ_WHOLE_LIMIT = 64 * 1024 * 1024;
type OutputFormat = Exclude<(typeof FORMATS)[number], 'same'>;
const EXTENSION_OF: Record<OutputFormat, string> = {
  jpeg: '.jpg',
  png: '.png',
  webp: '.webp',
  avif: '.avif',
};

const input = z.object({
  source: z.string().min(1).describe('Folder of images to scale (searched recursively)'),
  target: z.string().min(1).describe('Folder to write the scaled images to, with the same relative paths'),
  size: z.number().int().positive().default(1600).describe('Longest side of the output, in pixels'),
  format: z.enum(FORMATS).default('same').describe('Output format; "same" keeps each image\'s own'),
  quality: z.number().int().min(1).max(100).default(82).describe('Quality for JPEG, WebP and AVIF (1–100)'),
  keepMetadata: z.boolean().default(true).describe('Keep EXIF metadata such as the date taken'),
  overwrite: z
    .boolean()
    .default(false)
    .describe('Write every output again, even one newer than its source (after changing the size, say)'),
});
type Input = z.infer<typeof input>;

/** What is needed of an image's header: from readImageHeader, or from sharp. */
type Header = Pick<Metadata, 'format' | 'width' | 'height' | 'pages'>;

/** An image, with where its output goes (by the target's real location, resolved as the job starts). */
type Item = (TreeFile & { to: string }) | TreeProblem;

type Action = 'scaled' | 'converted' | 'copied' | 'skipped';
interface Result {
  path: string;
  action: Action;
  width?: number;
  height?: number;
}

export default defineJob({
  name: 'image.scale',
  title: 'Scale images',
  description:
    'Scales every image in a folder so its longest side fits a size; small images are copied as they are.',
  input,
  unit: 'images',
  items: async function* (options: Input, { signal }) {
    const source = resolve(options.source);
    const target = resolve(options.target);
    // A target inside the source must not feed the job its own outputs.
    const skip = (path: string) => path === target || (isInside(target, source) && isInside(path, target));
    // Resolved once: a target folder swapped for a symlink later is refused, not written through.
    const realTarget = await realLocation(target);
    const accept = (path: string) => IMAGE_EXTENSIONS.has(extname(path).toLowerCase());
    for await (const item of treeItems(source, accept, { skip, signal })) {
      if ('problem' in item) yield item;
      else {
        const out = options.format === 'same' ? item.path : replaceExtension(item.path, options.format);
        yield { ...item, to: join(realTarget, out) };
      }
    }
  },
  process: async (item: Item, ctx, options: Input): Promise<Result> => {
    throwIfProblem(item);
    // The file-system calls here are synchronous: this worker thread has
    // nothing else to do meanwhile, and each awaited call would be a round
    // trip through libuv's thread pool that, on a busy machine, waits for two
    // threads to be scheduled. The only awaits left are sharp's own.
    // The source is opened where the walk found it, and only there (confined.ts).
    const fd = openFileConfinedSync(item.real);
    try {
      return await scale(fd, item, ctx, options);
    } finally {
      closeSync(fd);
    }
  },
  summarize: (results, { total, failed, cancelled }) => {
    const count = (action: Action) => results.filter((result) => result.action === action).length;
    return {
      todo: total,
      scaled: count('scaled'),
      converted: count('converted'),
      copied: count('copied'),
      skipped: count('skipped'),
      failed,
      cancelled,
    };
  },
});

/** Scales (or copies) the image open on `fd`. */
async function scale(
  fd: number,
  { path, real, to }: TreeFile & { to: string },
  ctx: JobContext,
  options: Input,
): Promise<Result> {
  const sourceStats = fstatSync(fd);
  // An output newer than its source is skipped before anything is read.
  const existing = outputStats(to);
  if (existing?.isFile() && existing.mtimeMs >= sourceStats.mtimeMs && !options.overwrite)
    return { path, action: 'skipped' };
  ctx.throwIfCancelled();

  // The file is read once: its header, its pixels and a copy all come from
  // these bytes. A very large file is left to libvips to read as it goes, as
  // the file opened here (/proc/self/fd/<n>), not by its name.
  const bytes = sourceStats.size <= READ_WHOLE_LIMIT ? readFileSync(fd) : undefined;
  const input = bytes ?? reopenPath(fd, real);
  const meta: Header = (bytes && readImageHeader(bytes)) ?? (await readMetadata(input));
  const format = options.format === 'same' ? sameFormat(meta.format) : options.format;

  const longest = Math.max(meta.width ?? 0, meta.height ?? 0);
  if (longest <= options.size && options.format === 'same') {
    // Already small enough: the original bytes, untouched (and no generation loss).
    writeOutput(to, (out) => (bytes ? writeFileSync(out, bytes) : copyOpen(fd, out)));
    return { path, action: 'copied' };
  }

  // Frames of an animation stay frames only in formats that have them.
  const animated = (meta.pages ?? 1) > 1 && (format === 'gif' || format === 'webp');
  const sharp = await loadSharp();
  let pipeline = sharp(input, { animated })
    .rotate() // applies the EXIF orientation, so width and height below are what a viewer shows
    .resize({ width: options.size, height: options.size, fit: 'inside', withoutEnlargement: true });
  if (options.keepMetadata) pipeline = pipeline.keepExif().keepIccProfile();
  // PNG, GIF and TIFF are written losslessly: sharp's PNG `quality` would quantize to a palette.
  const lossy = format === 'jpeg' || format === 'webp' || format === 'avif';
  pipeline = pipeline.toFormat(format, lossy ? { quality: options.quality } : {});
  // Encoded in memory (at most `size` pixels a side), then written and fsynced on one descriptor, and renamed.
  const { data, info } = await pipeline.toBuffer({ resolveWithObject: true });
  writeOutput(to, (out) => writeFileSync(out, data));
  const action: Action = longest <= options.size ? 'converted' : 'scaled';
  return { path, action, width: info.width, height: info.height };
}

/**
 * Writes an output as writeFileAtomic does (a journaled temporary name, fsynced, renamed), through
 * its folder opened without following a symlink: one swapped in since the job started is refused.
 */
function writeOutput(to: string, write: (fd: number) => void): void {
  writeFileConfinedSync(to, atomicTempPath(to), (fd) => {
    write(fd);
    fsyncSync(fd);
  });
}

/** The output already there (not followed if it is a link), looked up in its confined folder. */
function outputStats(to: string): Stats | undefined {
  try {
    return withFolderNoFollowSync(dirname(to), (folder) => lstatSync(`${folder}/${basename(to)}`));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Copies the file open on `from` to `to`, for one too large to read whole. */
function copyOpen(from: number, to: number): void {
  const buffer = Buffer.allocUnsafe(1 << 20);
  for (let position = 0; ; ) {
    const read = readSync(from, buffer, 0, buffer.length, position);
    if (read === 0) return;
    for (let at = 0; at < read; ) at += writeSync(to, buffer, at, read - at);
    position += read;
  }
}

/** The output format for "same". sharp calls AVIF `heif`. */
function sameFormat(format: string | undefined): OutputFormat | 'gif' | 'tiff' {
  if (format === 'jpeg' || format === 'png' || format === 'webp' || format === 'gif' || format === 'tiff')
    return format;
  if (format === 'heif') return 'avif';
  throw new Error(`cannot write ${format ?? 'this'} images; choose an output format`);
}

/** The header of an image sharp has to read (not a JPEG or PNG, or a file too large to read whole). */
async function readMetadata(input: Buffer | string): Promise<Metadata> {
  const sharp = await loadSharp();
  return sharp(input)
    .metadata()
    .catch((error: Error) => {
      throw new Error(`cannot read image: ${error.message}`);
    });
}

function replaceExtension(path: string, format: OutputFormat): string {
  const ext = extname(path);
  return `${ext ? path.slice(0, -ext.length) : path}${EXTENSION_OF[format]}`;
}
