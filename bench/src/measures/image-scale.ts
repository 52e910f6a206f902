// 6. image.scale on a folder of generated photos vs what a person would write
// by hand: sharp over the same files with a bounded Promise.all (as many at
// once as Threadline has threads), the same resize, rotation, metadata and
// quality. And how image.scale scales from 1 worker thread to 2. Images per
// second over the whole folder; each run writes to a fresh target folder.
import { mkdirSync, readdirSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@threadline/core';
import { builtinJobs } from '@threadline/jobs';
import sharp from 'sharp';
import { openEngine, runToEnd } from '../engine.js';
import type { Measure, MeasureContext } from '../measure.js';
import { tempDir } from '../processes.js';
import { type BenchRecord, record, unavailable } from '../record.js';
import { median, rotated } from '../stats.js';

const SIZE = 800;
const QUALITY = 82;

/** Photo-like JPEGs: noise over a gradient compresses and decodes like a real photo, not like a flat fill. */
async function generatePhotos(dir: string, count: number): Promise<void> {
  const width = 3000;
  const height = 2000;
  for (let i = 0; i < count; i++) {
    const noise = await sharp({
      create: {
        width,
        height,
        channels: 3,
        background: { r: 40 + i, g: 90, b: 160 },
        noise: { type: 'gaussian', mean: 120, sigma: 40 },
      },
    })
      .blur(1.2)
      .jpeg({ quality: 90 })
      .toBuffer();
    await sharp(noise)
      .withMetadata({ orientation: 1 })
      .toFile(join(dir, `photo-${String(i).padStart(3, '0')}.jpg`));
  }
}

/**
 * The hand-written baseline: at most `limit` images in flight. `safe` adds
 * what image.scale does beyond the pixels (stat the source and the target,
 * read the file once, its header, encode to memory, write to a temporary
 * name, fsync, rename), written as one would by hand on the main thread:
 * awaited calls and sharp's `metadata()`. It tells the cost of that work from
 * Threadline's own.
 */
async function scaleByHand(source: string, target: string, limit: number, safe = false): Promise<void> {
  const files = readdirSync(source).filter((f) => f.endsWith('.jpg'));
  let next = 0;
  const lane = async () => {
    while (next < files.length) {
      const file = files[next++]!;
      if (safe) {
        await scaleSafely(join(source, file), join(target, file));
        continue;
      }
      const pipeline = sharp(join(source, file))
        .rotate()
        .resize({ width: SIZE, height: SIZE, fit: 'inside', withoutEnlargement: true })
        .keepExif()
        .keepIccProfile()
        .jpeg({ quality: QUALITY });
      await pipeline.toFile(join(target, file));
    }
  };
  await Promise.all(Array.from({ length: limit }, lane));
}

async function scaleSafely(from: string, to: string): Promise<void> {
  const [sourceStats, existing] = await Promise.all([stat(from), stat(to).catch(() => undefined)]);
  if (existing && existing.mtimeMs >= sourceStats.mtimeMs) return;
  const image = sharp(await readFile(from));
  await image.metadata();
  const { data } = await image
    .rotate()
    .resize({ width: SIZE, height: SIZE, fit: 'inside', withoutEnlargement: true })
    .keepExif()
    .keepIccProfile()
    .jpeg({ quality: QUALITY })
    .toBuffer({ resolveWithObject: true });
  await writeFileAtomic(to, data);
}

export async function measureImageScale(ctx: MeasureContext, options: { photos: number; runs: number }) {
  const { photos, runs } = options;
  if (!builtinJobs['image.scale']) {
    return [unavailable(6, 'image.scale', 'not available yet', '@threadline/jobs has no image.scale')];
  }
  const dir = tempDir('images');
  const source = join(dir.path, 'source');
  mkdirSync(source);
  await generatePhotos(source, photos);
  let runCount = 0;
  const freshTarget = () => {
    const target = join(dir.path, `out-${runCount++}`);
    mkdirSync(target);
    return target;
  };
  const one = await openEngine({ poolSize: 1, registry: builtinJobs });
  const two = await openEngine({ poolSize: ctx.threads, registry: builtinJobs });
  const input = (target: string) => ({ source, target, size: SIZE, quality: QUALITY });
  const contenders: [string, () => Promise<void>][] = [
    ['threadline', () => runToEnd(two.engine, 'image.scale', input(freshTarget()))],
    ['threadline 1 thread', () => runToEnd(one.engine, 'image.scale', input(freshTarget()))],
    ['by hand', () => scaleByHand(source, freshTarget(), ctx.threads)],
    ['by hand 1 at a time', () => scaleByHand(source, freshTarget(), 1)],
    ['by hand, atomic writes', () => scaleByHand(source, freshTarget(), ctx.threads, true)],
  ];
  const rates: Record<string, number[]> = Object.fromEntries(contenders.map(([name]) => [name, []]));
  try {
    // Warm-up: worker threads load sharp and the job module; libvips settles.
    for (const [, run] of contenders) await run();
    for (let round = 0; round < runs; round++) {
      for (const [name, run] of rotated(contenders, round)) {
        const started = performance.now();
        await run();
        const rate = photos / ((performance.now() - started) / 1000);
        rates[name]!.push(rate);
        ctx.log(`image.scale ${name}: ${rate.toFixed(2)} images/s`);
      }
    }
  } finally {
    await Promise.all([one.close(), two.close()]);
    dir.remove();
  }
  const rate = (name: string) => median(rates[name]!);
  const byHand = rate('by hand');
  const records: BenchRecord[] = [
    record({
      measure: 6,
      name: `image.scale ${photos} photos 3000x2000 → ${SIZE} px, ${ctx.threads} threads`,
      unit: 'images/s',
      better: 'higher',
      threadline: rate('threadline'),
      peers: {
        [`sharp + Promise.all (${ctx.threads} at once)`]: byHand,
        'the same + stats, one read, metadata, atomic write (fsync, rename)': rate('by hand, atomic writes'),
      },
      reference: { name: `sharp + Promise.all (${ctx.threads} at once)`, value: byHand },
      goal: { on: 'ratio', op: '>=', target: 0.95, text: '≥ 0.95x by hand' },
      samples: runs,
      note: `sharp.concurrency() = ${sharp.concurrency()} libvips threads per image in both; image.scale also stats source and target, reads each file once for its header and pixels, and writes each output to a temporary name, fsynced and renamed (with blocking calls in its worker thread)`,
    }),
    record({
      measure: 6,
      name: 'image.scale scaling, 1 → 2 worker threads',
      unit: 'x',
      better: 'higher',
      threadline: rate('threadline') / rate('threadline 1 thread'),
      peers: { 'by hand, 1 → 2 at once': byHand / rate('by hand 1 at a time') },
      goal: { on: 'value', op: '>=', target: 1.8, text: '≥ 1.8x' },
      samples: runs,
    }),
  ];
  return records;
}

export const imageScale: Measure = {
  id: 'image',
  number: 6,
  title: 'image.scale vs sharp by hand',
  run: (ctx) => measureImageScale(ctx, ctx.quick ? { photos: 8, runs: 1 } : { photos: 60, runs: 5 }),
};
