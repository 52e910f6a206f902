import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import sharp from 'sharp';

export interface ImageSpec {
  width: number;
  height: number;
  format?: 'jpeg' | 'png' | 'webp' | 'avif';
  /** EXIF orientation, 1–8. */
  orientation?: number;
  /** EXIF DateTimeOriginal, as a camera writes it: "2021:03:04 05:06:07". */
  taken?: string;
  /** EXIF OffsetTimeOriginal, e.g. "+02:00". */
  offset?: string;
}

/**
 * Writes a real image: the top-left quarter red, the rest blue, so a test can
 * tell where the top-left corner went after a rotation.
 */
export async function makeImage(path: string, spec: ImageSpec): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const quarter = await sharp({
    create: {
      width: Math.ceil(spec.width / 2),
      height: Math.ceil(spec.height / 2),
      channels: 3,
      background: { r: 255, g: 0, b: 0 },
    },
  })
    .png()
    .toBuffer();
  let image = sharp({
    create: { width: spec.width, height: spec.height, channels: 3, background: { r: 0, g: 0, b: 255 } },
  }).composite([{ input: quarter, left: 0, top: 0 }]);
  const exif: Record<string, string> = {};
  if (spec.taken) exif.DateTimeOriginal = spec.taken;
  if (spec.offset) exif.OffsetTimeOriginal = spec.offset;
  if (spec.taken || spec.offset) image = image.withExif({ IFD2: exif });
  if (spec.orientation) image = image.withMetadata({ orientation: spec.orientation });
  await image.toFormat(spec.format ?? 'jpeg', { quality: 95 }).toFile(path);
}

/** The colour of the pixel at (x, y), as [r, g, b], from the image as stored (ignoring EXIF orientation). */
export async function pixel(path: string, x: number, y: number): Promise<number[]> {
  const { data, info } = await sharp(path).raw().toBuffer({ resolveWithObject: true });
  const at = (y * info.width + x) * info.channels;
  return [data[at]!, data[at + 1]!, data[at + 2]!];
}
