// What photo.tidy needs from a photo's own bytes: where its EXIF is, the
// orientation and dates in it, and whether the file is whole. Real cameras and
// editors put EXIF wherever their format allows: in a JPEG after a JFIF
// header, an ICC profile or a large XMP packet (so a fixed-size peek at the
// start misses it), in a TIFF's first IFD, in a PNG's eXIf chunk, in a WebP's
// EXIF chunk. Everything is read from the whole file in memory, bounds-checked:
// a damaged file is a PhotoError with a reason a person can act on, never a
// guess and never an out-of-range read. Pure functions, no dependencies.
import { type ExifBlock, PhotoError, parseTiff, type ValueAt } from './exif-tiff.js';

export type PhotoFormat = 'jpeg' | 'png' | 'webp' | 'tiff' | 'heif';

export interface JpegSegment {
  marker: number;
  /** Offset of the 0xFF of the marker. */
  start: number;
  /** Offset just past the segment. */
  end: number;
  /** Offset of the payload (after the length). */
  data: number;
}

export interface PhotoMetadata {
  format: PhotoFormat;
  exif?: ExifBlock;
  /** JPEG only: the segments before the first scan, in file order. */
  segments?: JpegSegment[];
}

const ascii = (text: string) => Array.from(text, (c) => c.charCodeAt(0));
const startsWith = (bytes: Uint8Array, at: number, prefix: readonly number[]) =>
  at + prefix.length <= bytes.length && prefix.every((byte, i) => bytes[at + i] === byte);

const JPEG_SOI = [0xff, 0xd8, 0xff];
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const RIFF = ascii('RIFF');
const WEBP = ascii('WEBP');
const TIFF_LE = [0x49, 0x49, 0x2a, 0x00];
const TIFF_BE = [0x4d, 0x4d, 0x00, 0x2a];
const EXIF_HEADER = ascii('Exif\0');
export const XMP_HEADER = ascii('http://ns.adobe.com/xap/1.0/\0');
export const ICC_HEADER = ascii('ICC_PROFILE\0');
const HEIF_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'mif1', 'msf1', 'avif', 'avis']);

/** The format by its magic bytes (not its name), or undefined when it is none photo.tidy reads. */
export function sniffFormat(bytes: Uint8Array): PhotoFormat | undefined {
  if (startsWith(bytes, 0, JPEG_SOI)) return 'jpeg';
  if (startsWith(bytes, 0, PNG_SIGNATURE)) return 'png';
  if (startsWith(bytes, 0, RIFF) && startsWith(bytes, 8, WEBP)) return 'webp';
  if (startsWith(bytes, 0, TIFF_LE) || startsWith(bytes, 0, TIFF_BE)) return 'tiff';
  if (startsWith(bytes, 4, ascii('ftyp')) && bytes.length >= 12) {
    const brand = String.fromCharCode(...bytes.subarray(8, 12));
    if (HEIF_BRANDS.has(brand)) return 'heif';
  }
  return undefined;
}

/**
 * Reads a photo's format and EXIF from its bytes; throws PhotoError for a file
 * that is truncated or corrupt. HEIF keeps EXIF in an item of its box tree:
 * the caller hands over the block sharp extracted (`exifFromHeif`).
 */
export function readPhotoMetadata(bytes: Uint8Array): PhotoMetadata {
  const format = sniffFormat(bytes);
  switch (format) {
    case 'jpeg':
      return readJpeg(bytes);
    case 'png':
      return readPng(bytes);
    case 'webp':
      return readWebp(bytes);
    case 'tiff':
      return { format, exif: parseTiff(bytes, 0, bytes.length) };
    case 'heif':
      return { format };
    default:
      throw new PhotoError('not a JPEG, PNG, WebP, TIFF or HEIF image (its first bytes say otherwise)');
  }
}

/** EXIF as sharp hands it over (with or without the `Exif\0\0` header), parsed. */
export function parseExifBuffer(exif: Uint8Array): ExifBlock | undefined {
  const start = startsWith(exif, 0, EXIF_HEADER) ? 6 : 0;
  if (exif.length - start < 8) return undefined;
  return parseTiff(exif, start, exif.length);
}

// --- JPEG ---------------------------------------------------------------

const isFrame = (marker: number) =>
  marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;

export function segmentName(marker: number): string {
  if (marker >= 0xe0 && marker <= 0xef) return `APP${marker - 0xe0}`;
  if (isFrame(marker)) return `SOF${marker - 0xc0}`;
  const names: Record<number, string> = { 196: 'DHT', 218: 'SOS', 219: 'DQT', 221: 'DRI', 254: 'COM' };
  return names[marker] ?? `0xFF${marker.toString(16).toUpperCase().padStart(2, '0')}`;
}

/** Walks every segment and scan to the end-of-image marker; the metadata is in the segments before the first scan. */
export function readJpeg(bytes: Uint8Array): PhotoMetadata {
  const size = bytes.length;
  const truncated = (detail: string) =>
    new PhotoError(`truncated JPEG: ${detail}; the file ends at byte ${size} before its end-of-image marker`);
  const segments: JpegSegment[] = [];
  let sawFrame = false;
  let sawScan = false;
  let pos = 2;
  for (;;) {
    if (pos >= size) throw truncated(sawScan ? 'after its image data' : 'in its headers');
    if (bytes[pos] !== 0xff) {
      throw new PhotoError(
        `corrupt JPEG: expected a segment marker at byte ${pos}, found 0x${bytes[pos]!.toString(16).padStart(2, '0')}`,
      );
    }
    while (pos + 1 < size && bytes[pos + 1] === 0xff) pos++; // fill bytes
    if (pos + 1 >= size) throw truncated(`inside a marker at byte ${pos}`);
    const marker = bytes[pos + 1]!;
    if (marker === 0xd9) {
      if (!sawScan) throw new PhotoError('corrupt JPEG: it ends before any image data');
      break;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      pos += 2;
      continue;
    }
    if (marker === 0x00 || marker === 0xd8) {
      throw new PhotoError(`corrupt JPEG: unexpected marker 0xFF${marker.toString(16)} at byte ${pos}`);
    }
    if (pos + 4 > size) throw truncated(`inside the ${segmentName(marker)} marker at byte ${pos}`);
    const length = (bytes[pos + 2]! << 8) | bytes[pos + 3]!;
    if (length < 2) {
      throw new PhotoError(
        `corrupt JPEG: the ${segmentName(marker)} segment at byte ${pos} has length ${length}`,
      );
    }
    const end = pos + 2 + length;
    if (end > size) {
      throw truncated(`its ${segmentName(marker)} segment at byte ${pos} declares ${length} bytes`);
    }
    if (isFrame(marker)) sawFrame = true;
    if (!sawScan) segments.push({ marker, start: pos, end, data: pos + 4 });
    if (marker === 0xda) {
      if (!sawFrame) throw new PhotoError(`corrupt JPEG: image data at byte ${pos} before any frame header`);
      sawScan = true;
      pos = endOfScan(bytes, end);
      if (pos < 0) throw truncated('inside its image data');
      continue;
    }
    pos = end;
  }
  const exifSegment = segments.find(
    (segment) => segment.marker === 0xe1 && startsWith(bytes, segment.data, EXIF_HEADER),
  );
  const exif = exifSegment ? parseTiff(bytes, exifSegment.data + 6, exifSegment.end) : undefined;
  return { format: 'jpeg', segments, ...(exif ? { exif } : {}) };
}

/** The offset of the marker that ends the entropy-coded data starting at `from`, or -1 if the file ends first. */
function endOfScan(bytes: Uint8Array, from: number): number {
  let at = from;
  for (;;) {
    const ff = bytes.indexOf(0xff, at);
    if (ff < 0 || ff + 1 >= bytes.length) return -1;
    const next = bytes[ff + 1]!;
    if (next === 0x00 || (next >= 0xd0 && next <= 0xd7)) at = ff + 2;
    else if (next === 0xff) at = ff + 1;
    else return ff;
  }
}

// --- PNG and WebP -------------------------------------------------------

function readPng(bytes: Uint8Array): PhotoMetadata {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let exif: ExifBlock | undefined;
  let pos = 8;
  for (;;) {
    if (pos + 8 > bytes.length) {
      throw new PhotoError(`truncated PNG: the file ends at byte ${bytes.length} before its IEND chunk`);
    }
    const length = view.getUint32(pos);
    const type = String.fromCharCode(...bytes.subarray(pos + 4, pos + 8));
    const data = pos + 8;
    if (data + length + 4 > bytes.length) {
      throw new PhotoError(`truncated PNG: its ${type} chunk at byte ${pos} declares ${length} bytes`);
    }
    if (type === 'eXIf' && !exif) {
      const parsed = parseExifBuffer(bytes.subarray(data, data + length));
      if (parsed) exif = shift(parsed, data);
    }
    if (type === 'IEND') break;
    pos = data + length + 4;
  }
  return { format: 'png', ...(exif ? { exif } : {}) };
}

function readWebp(bytes: Uint8Array): PhotoMetadata {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const riffEnd = 8 + view.getUint32(4, true);
  if (riffEnd > bytes.length) {
    throw new PhotoError(`truncated WebP: it declares ${riffEnd} bytes, the file has ${bytes.length}`);
  }
  let exif: ExifBlock | undefined;
  let pos = 12;
  while (pos + 8 <= riffEnd) {
    const type = String.fromCharCode(...bytes.subarray(pos, pos + 4));
    const length = view.getUint32(pos + 4, true);
    const data = pos + 8;
    if (data + length > riffEnd) {
      throw new PhotoError(
        `truncated WebP: its ${type.trim()} chunk at byte ${pos} declares ${length} bytes`,
      );
    }
    if (type === 'EXIF' && !exif) {
      const parsed = parseExifBuffer(bytes.subarray(data, data + length));
      if (parsed) exif = shift(parsed, data);
    }
    pos = data + length + (length % 2);
  }
  return { format: 'webp', ...(exif ? { exif } : {}) };
}

/** A block parsed from a subarray, with its offsets moved to the whole file's. */
function shift(block: ExifBlock, by: number): ExifBlock {
  if (by === 0) return block;
  const move = (value: ValueAt): ValueAt => ({ ...value, at: value.at + by });
  return {
    ...block,
    start: block.start + by,
    end: block.end + by,
    ...(block.orientationAt ? { orientationAt: move(block.orientationAt) } : {}),
    ...(block.pixelDimensionsAt
      ? { pixelDimensionsAt: [move(block.pixelDimensionsAt[0]), move(block.pixelDimensionsAt[1])] }
      : {}),
  };
}
